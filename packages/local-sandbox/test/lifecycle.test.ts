import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorBodySchema } from "@iterate/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDaemonBundle } from "../../daemon/build.mjs";
import { isAlive } from "../src/daemon-pidfile.ts";
import { type RunningLocalSandbox, startLocalSandbox } from "../src/server.ts";
import { serviceClient } from "./support/client.ts";
import { machineEnv, processEnv } from "./support/machine-env.ts";
import { until } from "./support/poll.ts";

// Real daemons (the real bundle) as children of a service on port 0, in a temp root.
const secret = "test-secret-lifecycle";
const fakes = join(import.meta.dirname, "support");
const hasProc = existsSync("/proc/self/environ");
let root: string;
let bundle: string;
const services: RunningLocalSandbox[] = [];

async function startService(
  options: { daemonBundle?: string; stopGraceMs?: number; startTimeoutMs?: number } = {},
) {
  const serviceRoot = await mkdtemp(join(root, "service-"));
  const service = await startLocalSandbox({
    port: 0,
    secret,
    root: serviceRoot,
    daemonBundle: bundle,
    log: () => {},
    ...options,
  });
  services.push(service);
  return { service, root: serviceRoot, api: serviceClient(service.url, secret) };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "local-sandbox-life-"));
  bundle = await ensureDaemonBundle();
});

afterAll(async () => {
  await Promise.all(services.map((service) => service.close()));
  await rm(root, { recursive: true, force: true });
});

describe("POST /sandboxes", () => {
  it("answers 201 once the daemon listens and answers /healthz at the returned url", async () => {
    const { api } = await startService();
    const created = await api.create({ env: machineEnv(), labels: { instance: "ins_a" } });
    expect(created.status).toBe(201);
    const { sandbox } = created.body;
    expect(sandbox).toMatchObject({
      state: "running",
      labels: { instance: "ins_a" },
      exitCode: null,
      error: null,
    });
    expect(sandbox.id).toMatch(/^sbx_[0-9a-z]{20}$/);
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Date.parse(sandbox.createdAt)).not.toBeNaN();
    const health = await fetch(`${sandbox.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true });
    expect(await api.get(sandbox.id)).toEqual({ status: 200, body: { sandbox } });
  });

  it.skipIf(!hasProc)(
    "gives the daemon exactly the given env plus PORT, HOST (loopback), HOME, PATH and the parent watch",
    async () => {
      const { root: serviceRoot, api } = await startService();
      const env = machineEnv({ CUSTOM_VAR: "with spaces = and equals", PORT: "3000" });
      const { sandbox } = (await api.create({ env })).body;
      const home = join(serviceRoot, "machines", sandbox.id, "home");
      expect(await processEnv(sandbox.pid as number)).toEqual({
        ...env,
        PATH: process.env.PATH,
        HOME: home,
        PORT: "0", // the service's to choose: a given PORT would collide between sandboxes
        HOST: "127.0.0.1",
        ITERATE_EXIT_WITH_PARENT: "1",
      });
      // And it listens on loopback only.
      const port = new URL(sandbox.url as string).port;
      expect(await readFile("/proc/net/tcp", "utf8")).toMatch(
        new RegExp(
          `0100007F:${Number(port).toString(16).toUpperCase().padStart(4, "0")} 00000000:0000 0A`,
        ),
      );
      expect((await stat(home)).isDirectory()).toBe(true);
      // The daemon made its state under that HOME.
      expect(existsSync(join(home, ".iterate", "credentials.json"))).toBe(true);
    },
  );

  it("appends the daemon's output to daemon.log, never an env value", async () => {
    const { root: serviceRoot, api } = await startService();
    const env = machineEnv();
    const { sandbox } = (await api.create({ env })).body;
    const log = await readFile(join(serviceRoot, "machines", sandbox.id, "daemon.log"), "utf8");
    expect(log).toContain("iterate-daemon listening on :");
    expect(log).not.toContain(env.ITERATE_MACHINE_TOKEN);
  });

  it("answers 502 upstream_error naming the cause when the daemon exits at start", async () => {
    const { api } = await startService();
    const { ITERATE_MACHINE_TOKEN: _, ...env } = machineEnv();
    const answer = await api.create({ env, labels: { case: "crash" } });
    expect(answer.status).toBe(502);
    const { error } = errorBodySchema.parse(answer.body);
    expect(error.code).toBe("upstream_error");
    expect(error.message).toMatch(
      /^sandbox sbx_[0-9a-z]{20}: the daemon exited with code 1 before listening/,
    );
    expect(error.message).toContain("ITERATE_MACHINE_TOKEN is not set");
    const [failed] = (await api.list("?label=case=crash")).body.sandboxes;
    expect(failed).toMatchObject({ state: "failed", url: null, exitCode: 1 });
    expect(failed?.error).toContain("ITERATE_MACHINE_TOKEN is not set");
  });

  it("answers 502 and kills the daemon when it does not listen in time", async () => {
    const { api } = await startService({
      daemonBundle: join(fakes, "never-listens.mjs"),
      startTimeoutMs: 300,
    });
    const answer = await api.create({ env: {} });
    expect(answer.status).toBe(502);
    const { message } = errorBodySchema.parse(answer.body).error;
    expect(message).toContain("did not listen within 0.3 s: fake daemon: warming up forever");
    const [failed] = (await api.list()).body.sandboxes;
    expect(failed).toMatchObject({ state: "failed", exitCode: 137 });
    expect(isAlive(failed?.pid as number)).toBe(false);
  });
});

describe("GET /sandboxes?label=key=value", () => {
  it("lists the sandboxes carrying every given label", async () => {
    const { api } = await startService();
    const [a, b, c] = await Promise.all([
      api.create({ env: machineEnv(), labels: { instance: "ins_1", role: "main" } }),
      api.create({ env: machineEnv(), labels: { instance: "ins_1", role: "spare" } }),
      api.create({ env: machineEnv(), labels: { instance: "ins_2", role: "main" } }),
    ]);
    const ids = async (query: string) =>
      (await api.list(query)).body.sandboxes.map((sandbox) => sandbox.id).sort();
    const [idA, idB, idC] = [a.body.sandbox.id, b.body.sandbox.id, c.body.sandbox.id];
    expect(await ids("")).toEqual([idA, idB, idC].sort());
    expect(await ids("?label=instance=ins_1")).toEqual([idA, idB].sort());
    expect(await ids("?label=instance=ins_1&label=role=main")).toEqual([idA]);
    expect(await ids("?label=role=main")).toEqual([idA, idC].sort());
    expect(await ids("?label=instance=ins_3")).toEqual([]);
    // A key every object has by prototype matches no sandbox, rather than vanishing from the filter.
    expect(await ids("?label=__proto__=x")).toEqual([]);
    expect(await ids("?label=constructor=x")).toEqual([]);
  });
});

describe("POST /sandboxes/:id/stop", () => {
  it("stops the daemon with SIGTERM: it shuts down gracefully and exits 0", async () => {
    const { api } = await startService();
    const { sandbox } = (await api.create({ env: machineEnv() })).body;
    const stopped = await api.stop(sandbox.id);
    expect(stopped.status).toBe(200);
    expect(stopped.body.sandbox).toMatchObject({ id: sandbox.id, state: "stopped", exitCode: 0 });
    expect(isAlive(sandbox.pid as number)).toBe(false);
    expect((await api.get(sandbox.id)).body.sandbox.state).toBe("stopped");
    // Stopping again is a no-op answering the same.
    expect((await api.stop(sandbox.id)).body.sandbox).toEqual(stopped.body.sandbox);
  });

  it("SIGKILLs a daemon that ignores SIGTERM once the grace period is over", async () => {
    const { api } = await startService({
      daemonBundle: join(fakes, "ignores-sigterm.mjs"),
      stopGraceMs: 200,
    });
    const { sandbox } = (await api.create({ env: {} })).body;
    const started = Date.now();
    const stopped = await api.stop(sandbox.id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(stopped.body.sandbox).toMatchObject({ state: "stopped", exitCode: 137 });
    expect(isAlive(sandbox.pid as number)).toBe(false);
  });

  it("marks a sandbox stopped when its daemon exits on its own", async () => {
    const { api } = await startService();
    const { sandbox } = (await api.create({ env: machineEnv() })).body;
    process.kill(sandbox.pid as number, "SIGKILL");
    const after = await until(
      async () => {
        const current = (await api.get(sandbox.id)).body.sandbox;
        return current.state === "stopped" ? current : null;
      },
      { what: "the sandbox to be stopped" },
    );
    expect(after.exitCode).toBe(137); // 128 + SIGKILL
  });
});

describe("DELETE /sandboxes/:id", () => {
  it("stops the daemon, removes its directory, answers 204, then 404", async () => {
    const { root: serviceRoot, api } = await startService();
    const { sandbox } = (await api.create({ env: machineEnv() })).body;
    const dir = join(serviceRoot, "machines", sandbox.id);
    expect(existsSync(dir)).toBe(true);
    const deleted = await api.delete(sandbox.id);
    expect(deleted).toEqual({ status: 204, body: null });
    expect(existsSync(dir)).toBe(false);
    expect(isAlive(sandbox.pid as number)).toBe(false);
    expect((await api.get(sandbox.id)).status).toBe(404);
    expect((await api.delete(sandbox.id)).status).toBe(404);
    expect((await api.list()).body.sandboxes).toEqual([]);
  });
});

describe("close()", () => {
  it("leaves no daemon alive and forgets them in the pidfile", async () => {
    const {
      service,
      root: serviceRoot,
      api,
    } = await startService({
      daemonBundle: join(fakes, "ignores-sigterm.mjs"),
      stopGraceMs: 200,
    });
    const real = await startService();
    const pids = (
      await Promise.all([
        api.create({ env: {} }),
        api.create({ env: {} }),
        real.api.create({ env: machineEnv() }),
      ])
    ).map((answer) => answer.body.sandbox.pid as number);
    expect(pids.every(isAlive)).toBe(true);
    await Promise.all([service.close(), real.service.close()]);
    expect(pids.filter(isAlive)).toEqual([]);
    const pidfile = JSON.parse(await readFile(join(serviceRoot, "daemons.json"), "utf8"));
    expect(pidfile).toEqual({ daemons: [] });
  });
});
