import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AppendInput,
  createFileStreamStore,
  createMemoryStreamStore,
  type StreamStore,
} from "@iterate/streams";
import { afterEach, describe, expect, it } from "vitest";
import { daemonSettingsFromEnv, type RunningDaemon, startDaemon } from "../../src/server.ts";

const running: RunningDaemon[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((daemon) => daemon.shutdown({ graceMs: 100 })));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function home(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "daemon-server-"));
  dirs.push(dir);
  return dir;
}

async function start(
  options: Partial<Parameters<typeof startDaemon>[0]> = {},
): Promise<RunningDaemon> {
  const daemon = await startDaemon({
    home: await home(),
    port: 0,
    hostname: "127.0.0.1",
    ...options,
  });
  running.push(daemon);
  return daemon;
}

describe("daemon settings from env", () => {
  it("defaults to port 3000 on every interface, 20 s long-polls and info logging", () => {
    expect(daemonSettingsFromEnv({})).toEqual({
      port: 3000,
      hostname: "0.0.0.0",
      longPollTimeoutMs: 20_000,
      sseMaxDurationMs: 60_000,
      logLevel: "info",
    });
  });

  it("reads PORT, HOST, ITERATE_LONG_POLL_MS, ITERATE_SSE_MAX_MS and LOG_LEVEL, and names the variable it rejects", () => {
    expect(
      daemonSettingsFromEnv({
        PORT: "0",
        HOST: "127.0.0.1",
        ITERATE_LONG_POLL_MS: "500",
        ITERATE_SSE_MAX_MS: "3000",
        LOG_LEVEL: "DEBUG",
      }),
    ).toEqual({
      port: 0,
      hostname: "127.0.0.1",
      longPollTimeoutMs: 500,
      sseMaxDurationMs: 3000,
      logLevel: "debug",
    });
    expect(() => daemonSettingsFromEnv({ PORT: "http" })).toThrow(/PORT/);
    expect(() => daemonSettingsFromEnv({ ITERATE_LONG_POLL_MS: "-1" })).toThrow(
      /ITERATE_LONG_POLL_MS/,
    );
    expect(() => daemonSettingsFromEnv({ ITERATE_SSE_MAX_MS: "soon" })).toThrow(
      /ITERATE_SSE_MAX_MS/,
    );
    expect(() => daemonSettingsFromEnv({ LOG_LEVEL: "loud" })).toThrow(/LOG_LEVEL/);
  });
});

describe("request log", () => {
  it("writes one line per request at debug level", async () => {
    const lines: string[] = [];
    const daemon = await start({
      store: createMemoryStreamStore(),
      logLevel: "debug",
      log: (line) => lines.push(line),
    });
    await fetch(`${daemon.url}/healthz`);
    await fetch(`${daemon.url}/agents/a`, { method: "PUT" });
    await fetch(`${daemon.url}/agents/a`, {
      method: "POST",
      body: "x",
      headers: { "content-type": "application/octet-stream" },
    });
    // A line is written once its response is done.
    await expect.poll(() => lines.length).toBe(3);
    expect(lines[1]).toMatch(/^PUT \/agents\/a 201 [\d.]+ms$/);
    expect(lines[2]).toMatch(/^POST \/agents\/a 204 [\d.]+ms$/);
  });

  it("writes nothing per request at info level", async () => {
    const lines: string[] = [];
    const daemon = await start({
      store: createMemoryStreamStore(),
      logLevel: "info",
      log: (line) => lines.push(line),
    });
    await fetch(`${daemon.url}/healthz`);
    expect(lines).toEqual([]);
  });
});

describe("graceful shutdown", () => {
  it("finishes in-flight appends, answers parked long-polls and ends SSE with a final control event", async () => {
    const dir = await home();
    const fileStore = await createFileStreamStore({ dir: join(dir, ".iterate", "streams") });
    // Holds the append inside the store until shutdown has begun: it is then truly in flight.
    let appendArrived = () => {};
    const arrived = new Promise<void>((resolve) => {
      appendArrived = resolve;
    });
    let releaseAppend = () => {};
    const released = new Promise<void>((resolve) => {
      releaseAppend = resolve;
    });
    const gated: StreamStore = Object.assign(Object.create(fileStore), {
      async append(name: string, input: AppendInput) {
        appendArrived();
        await released;
        return fileStore.append(name, input);
      },
    });
    const daemon = await startDaemon({ home: dir, port: 0, hostname: "127.0.0.1", store: gated });
    const url = `${daemon.url}/agents/s`;
    const put = await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } });
    const tail = put.headers.get("stream-next-offset");

    const sse = await fetch(`${url}?offset=${tail}&live=sse`);
    const sseText = new Response(sse.body).text();
    const longPoll = fetch(`${url}?offset=${tail}&live=long-poll`);
    const append = fetch(url, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "last words",
    });
    await arrived;
    const shutdown = daemon.shutdown();
    releaseAppend();
    await shutdown;

    expect((await append).status).toBe(204);
    expect([200, 204]).toContain((await longPoll).status);
    const events = (await sseText).trim().split("\n\n");
    expect(events.at(-1)).toMatch(/^event: control\ndata:\{"streamNextOffset":"\d{16}_\d{16}"/);

    const reopened = await createFileStreamStore({ dir: join(dir, ".iterate", "streams") });
    const read = await reopened.read("s", { from: 0, maxBytes: 1024 });
    await reopened.close();
    expect(read.ok && Buffer.concat(read.chunks).toString()).toBe("last words");
  });
});
