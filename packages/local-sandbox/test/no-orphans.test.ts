import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDaemonBundle } from "../../daemon/build.mjs";
import { isAlive, openDaemonPidfile } from "../src/daemon-pidfile.ts";
import { serviceClient } from "./support/client.ts";
import { machineEnv } from "./support/machine-env.ts";
import { until } from "./support/poll.ts";

// The service as its own process (the CLI, as `pnpm dev` runs it), killed in every way.
const secret = "test-secret-orphans";
const cli = join(import.meta.dirname, "../bin/local-sandbox.js");
const fakes = join(import.meta.dirname, "support");
let root: string;
const started: ChildProcess[] = [];
// A fake platform that accepts every ping: a daemon whose ping succeeded goes quiet, so nothing
// but the parent watch can end it (a chatty one would also die of EPIPE on its next log line).
let platform: Server;
let platformUrl: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "local-sandbox-orphans-"));
  await ensureDaemonBundle(); // built once here, not by each CLI racing the others
  platform = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  await new Promise<void>((resolve) => platform.listen(0, "127.0.0.1", resolve));
  platformUrl = `http://127.0.0.1:${(platform.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const child of started) if (child.exitCode === null) child.kill("SIGKILL");
  platform?.close();
  await rm(root, { recursive: true, force: true });
});

/** Starts the CLI on port 0 and resolves with its url once it prints its listening line. */
async function startCli(env: Record<string, string> = { LOCAL_SANDBOX_SECRET: secret }) {
  const serviceRoot = await mkdtemp(join(root, "cli-"));
  const child = spawn(process.execPath, [cli, "--root", serviceRoot], {
    env: { PATH: process.env.PATH ?? "", LOCAL_SANDBOX_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const url = await until(
    () => /listening on (http:\/\/\S+)/.exec(output)?.[1] ?? child.exitCode !== null,
    {
      what: "the CLI to listen",
      timeoutMs: 10_000,
    },
  );
  return { child, url: String(url), root: serviceRoot, exited, output: () => output };
}

/** Two real daemons through the CLI's API, resolved once both pinged and went quiet. */
async function createTwo(service: { url: string; root: string }): Promise<number[]> {
  const api = serviceClient(service.url, secret);
  const env = () => machineEnv({ ITERATE_PLATFORM_URL: platformUrl });
  const answers = await Promise.all([api.create({ env: env() }), api.create({ env: env() })]);
  for (const { sandbox } of answers.map((answer) => answer.body)) {
    const log = join(service.root, "machines", sandbox.id, "daemon.log");
    await until(async () => (await readFile(log, "utf8")).includes("ping: platform answered 200"), {
      what: `${sandbox.id} to log its ping`,
    });
  }
  const pids = answers.map((answer) => answer.body.sandbox.pid as number);
  expect(pids.every(isAlive)).toBe(true);
  return pids;
}

describe("the local-sandbox CLI", () => {
  it("leaves no daemon alive when it is killed with SIGKILL", async () => {
    const service = await startCli();
    const pids = await createTwo(service);
    const { child, exited } = service;
    child.kill("SIGKILL");
    await exited;
    // The daemons see their stdin pipe from the service close, and shut down on their own.
    await until(() => pids.every((pid) => !isAlive(pid)), {
      what: `daemons ${pids} to exit`,
      timeoutMs: 3_000,
    });
  });

  it("stops every daemon and exits 0 on SIGTERM", async () => {
    const service = await startCli();
    const pids = await createTwo(service);
    const { child, exited, output } = service;
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(output()).toMatch(/local-sandbox: created sbx_[0-9a-z]{20} \(pid \d+, port \d+\)/);
  });

  it("exits 1 with one line when LOCAL_SANDBOX_SECRET is missing", async () => {
    const { exited, output } = await startCli({});
    expect(await exited).toBe(1);
    expect(output()).toBe(
      "local-sandbox: LOCAL_SANDBOX_SECRET is not set (the secret the platform sends as Bearer)\n",
    );
  });
});

describe("openDaemonPidfile", () => {
  it("stops daemons a previous run recorded, and only those still running with their HOME", async () => {
    const spawnFake = (home: string) =>
      spawn(process.execPath, [join(fakes, "never-listens.mjs"), "--home", home], {
        stdio: ["pipe", "ignore", "ignore"],
      });
    const stale = spawnFake("/tmp/stale-home");
    const unrelated = spawnFake("/tmp/some-other-home");
    started.push(stale, unrelated);
    const staleExit = new Promise((resolve) => stale.once("exit", resolve));
    const file = join(root, "daemons.json");
    await writeFile(
      file,
      JSON.stringify({
        daemons: [
          { id: "sbx_stale", pid: stale.pid, home: "/tmp/stale-home" },
          // A recycled pid: running, but not with the recorded HOME.
          { id: "sbx_recycled", pid: unrelated.pid, home: "/tmp/recorded-home" },
        ],
      }),
    );
    const lines: string[] = [];
    await openDaemonPidfile({ file, graceMs: 1_000, log: (line) => lines.push(line) });
    await staleExit;
    expect(isAlive(unrelated.pid as number)).toBe(true);
    expect(lines).toEqual(["local-sandbox: stopped sbx_stale left by a previous run"]);
  });
});
