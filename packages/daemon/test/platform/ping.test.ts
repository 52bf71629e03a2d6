import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { backoffDelay, pingPlatform } from "../../src/ping.ts";
import { DAEMON_VERSION } from "../../src/version.ts";
import {
  type DaemonProcess,
  machineEnv,
  runDaemonToExit,
  startDaemon,
} from "./support/daemon-process.ts";
import {
  type FakePlatform,
  type FakePlatformMode,
  startFakePlatform,
} from "./support/fake-platform.ts";

const secret = "q3YtqHZLYkH6hZ3rJ1bW0Rk3Jm8kX2m9b7c6d5e4f3A";
const machineToken = "itk_tok_aaaaaaaaaaaaaaaaaaaa_tokentokentokentokentokentokentokentok";

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.map((cleanup) => cleanup()));
  cleanups = [];
});

async function platformIn(
  mode: FakePlatformMode,
  port?: number,
  redirectTo?: string,
): Promise<FakePlatform> {
  const platform = await startFakePlatform({ mode, port, redirectTo });
  cleanups.push(() => platform.close());
  return platform;
}

async function daemonFor(url: string): Promise<DaemonProcess> {
  const daemon = await startDaemon({ env: machineEnv(url) });
  cleanups.push(() => daemon.stop());
  return daemon;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function options(platformUrl: string, delays: number[], log: string[] = []) {
  return {
    platformUrl,
    machineToken,
    machineId: "mch_1",
    secret,
    version: DAEMON_VERSION,
    random: () => 1,
    sleep: async (ms: number) => {
      delays.push(ms);
    },
    log: (line: string) => log.push(line),
  };
}

describe("ping backoff", () => {
  it("doubles from the base delay and is capped, with half of it jittered", () => {
    const at = (attempt: number, random: number) =>
      backoffDelay(attempt, { baseMs: 200, maxMs: 1000, random: () => random });
    expect([1, 2, 3, 4, 5].map((n) => at(n, 1))).toEqual([200, 400, 800, 1000, 1000]);
    expect([1, 2, 3, 4, 5].map((n) => at(n, 0))).toEqual([100, 200, 400, 500, 500]);
  });
});

describe("here-I-am ping client", () => {
  it("posts machineId, secret and version with the machine token as Bearer", async () => {
    const platform = await platformIn("up");
    const outcome = await pingPlatform(options(platform.url, []));
    expect(outcome).toEqual({ ok: true, attempts: 1, status: 200 });
    expect(platform.pings[0]).toMatchObject({
      authorization: `Bearer ${machineToken}`,
      body: { machineId: "mch_1", secret, version: DAEMON_VERSION },
    });
  });

  it("retries a platform answering 503 with growing delays until it answers 2xx", async () => {
    const platform = await platformIn("down");
    const delays: number[] = [];
    const run = pingPlatform({
      ...options(platform.url, delays),
      sleep: async (ms) => {
        delays.push(ms);
        if (delays.length === 3) platform.setMode("up");
      },
    });
    expect(await run).toEqual({ ok: true, attempts: 4, status: 200 });
    expect(delays).toEqual([200, 400, 800]);
    expect(platform.pings.map((p) => p.status)).toEqual([503, 503, 503, 200]);
  });

  it("retries while the platform is unreachable and reaches it once it is up", async () => {
    const port = await freePort();
    const delays: number[] = [];
    const log: string[] = [];
    let platform: FakePlatform | undefined;
    const outcome = await pingPlatform({
      ...options(`http://127.0.0.1:${port}`, delays, log),
      sleep: async (ms) => {
        delays.push(ms);
        if (delays.length === 2) platform = await platformIn("up", port);
      },
    });
    expect(outcome).toEqual({ ok: true, attempts: 3, status: 200 });
    expect(log[0]).toMatch(/attempt 1 failed: ECONNREFUSED; retrying in 200 ms/);
    expect(platform?.pings).toHaveLength(1);
  });

  it("stops at once on 401 and logs why, without the token or the secret", async () => {
    const platform = await platformIn("reject");
    const log: string[] = [];
    const outcome = await pingPlatform(options(platform.url, [], log));
    expect(outcome).toEqual({ ok: false, reason: "rejected", attempts: 1, status: 401 });
    expect(log.join("\n")).toMatch(
      /refused the machine token \(401: .*unauthorized.*\); not retrying/,
    );
    expect(log.join("\n")).not.toContain(machineToken);
    expect(log.join("\n")).not.toContain(secret);
  });

  it("stops at once on 409 (the platform holds another secret for this machine) and says so", async () => {
    const platform = await platformIn("conflict");
    const log: string[] = [];
    const outcome = await pingPlatform(options(platform.url, [], log));
    expect(outcome).toEqual({ ok: false, reason: "conflict", attempts: 1, status: 409 });
    expect(log).toEqual([
      expect.stringMatching(
        /^ping: platform holds another daemon secret for this machine \(409: .*conflict.*\); not retrying/,
      ),
    ]);
    expect(log.join("\n")).not.toContain(secret);
  });

  it("never follows a redirect: a 307 is a failed attempt, retried, and its target gets nothing", async () => {
    const elsewhere = await platformIn("up");
    const platform = await platformIn("redirect", undefined, elsewhere.url);
    const log: string[] = [];
    const abort = new AbortController();
    const outcome = await pingPlatform({
      ...options(platform.url, [], log),
      signal: abort.signal,
      sleep: async () => {
        if (platform.requests.length === 2) abort.abort();
      },
    });
    expect(outcome).toEqual({ ok: false, reason: "aborted", attempts: 2 });
    expect(log).toEqual([
      "ping: attempt 1 failed: platform answered 307, a redirect (not followed); retrying in 200 ms",
      "ping: attempt 2 failed: platform answered 307, a redirect (not followed); retrying in 400 ms",
    ]);
    expect(platform.requests).toEqual(["POST /api/machine/ping", "POST /api/machine/ping"]);
    expect(elsewhere.requests).toEqual([]);
  });

  it("sends nothing to an http platform URL outside loopback", async () => {
    const sent: string[] = [];
    const log: string[] = [];
    const outcome = await pingPlatform({
      ...options("http://os.example.com", [], log),
      fetch: async (input) => {
        sent.push(String(input));
        return new Response(null, { status: 200 });
      },
    });
    expect(outcome).toEqual({ ok: false, reason: "insecure", attempts: 0 });
    expect(sent).toEqual([]);
    expect(log.join("\n")).not.toContain(secret);
  });

  it("gives up when aborted", async () => {
    const platform = await platformIn("down");
    const abort = new AbortController();
    const outcome = await pingPlatform({
      ...options(platform.url, []),
      signal: abort.signal,
      sleep: async () => abort.abort(),
    });
    expect(outcome).toEqual({ ok: false, reason: "aborted", attempts: 1 });
  });
});

describe("iterate-daemon here-I-am", () => {
  it("pings after listening and retries while the platform is down, then stops", async () => {
    const platform = await platformIn("down");
    const daemon = await daemonFor(platform.url);
    await platform.waitForPings(2);
    platform.setMode("up");
    await daemon.waitForOutput(/ping: platform answered 200/);
    const statuses = platform.pings.map((p) => p.status);
    expect(statuses.at(-1)).toBe(200);
    expect(statuses.slice(0, -1).every((s) => s === 503)).toBe(true);
    expect(platform.pings[0]?.authorization).toBe(`Bearer ${machineEnv("").ITERATE_MACHINE_TOKEN}`);
    expect(platform.pings[0]?.body).toMatchObject({
      machineId: machineEnv("").ITERATE_MACHINE_ID,
      version: DAEMON_VERSION,
    });
  });

  it("retries while nothing listens at the platform URL", async () => {
    const port = await freePort();
    const daemon = await daemonFor(`http://127.0.0.1:${port}`);
    await daemon.waitForOutput(/ping: attempt 2 failed: ECONNREFUSED/);
    const platform = await platformIn("up", port);
    const [ping] = await platform.waitForPings(1);
    expect(ping?.status).toBe(200);
  });

  it("does not follow the platform's redirect: the target receives nothing, the ping is retried", async () => {
    const elsewhere = await platformIn("up");
    const platform = await platformIn("redirect", undefined, elsewhere.url);
    const daemon = await daemonFor(platform.url);
    await daemon.waitForOutput(
      /ping: attempt 2 failed: platform answered 307, a redirect \(not followed\)/,
    );
    expect(elsewhere.requests).toEqual([]);
    expect(daemon.output()).not.toContain("platform answered 200");
  });

  it.each(["http://os.example.com", "http://10.0.0.1:8787", "http://localhost.example.com"])(
    "refuses ITERATE_PLATFORM_URL=%s at start with one line and exit 1",
    async (url) => {
      const result = await runDaemonToExit({ env: machineEnv(url) });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split("\n")).toEqual([
        `iterate-daemon: ITERATE_PLATFORM_URL must use https (http only to loopback: 127.0.0.0/8, ::1, localhost): refusing ${new URL(url).origin}`,
      ]);
    },
  );

  it("stops pinging on 401 and says why", async () => {
    const platform = await platformIn("reject");
    const daemon = await daemonFor(platform.url);
    await daemon.waitForOutput(/refused the machine token \(401/);
    expect(platform.pings).toHaveLength(1);
    expect(daemon.output()).not.toContain(machineEnv("").ITERATE_MACHINE_TOKEN);
    // Still serving: a rejected ping does not take the daemon down.
    expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);
  });
});
