/**
 * Starts a real daemon (packages/daemon) as a child process with its own HOME, the way a
 * sandbox's entrypoint does: `node packages/daemon/bin/iterate-daemon.js --home <tmp>` (the bin
 * runs the esbuild bundle, rebuilt first when stale) with the sandbox env and `PORT=0`.
 * Node-side test support; the fakes of sandbox providers use it.
 *
 * The daemon is run through its CLI, not imported: apps/os never depends on packages/daemon
 * (ARCHITECTURE "Layout"), and the CLI is what ships.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

/** The repository root (this file is apps/os/test-support/spawn-daemon.ts). */
const ROOT = resolve(import.meta.dirname, "../../..");
const DAEMON_DIR = join(ROOT, "packages/daemon");
const DAEMON_BIN = join(DAEMON_DIR, "bin/iterate-daemon.js");
const DAEMON_BUILD = join(DAEMON_DIR, "build.mjs");
/** What the CLI prints once it accepts connections (packages/daemon/src/cli.ts). */
const LISTENING = /iterate-daemon listening on :(\d+)/;

/** A running daemon. */
export interface SpawnedDaemon {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Its HOME (a fresh temporary directory, removed by `stop`). */
  home: string;
  /** The last 16 KiB it printed (stdout and stderr), for failure messages. */
  output(): string;
  /** SIGTERM (SIGKILL after 5 s), then removes HOME. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link spawnDaemon}. */
export interface SpawnDaemonOptions {
  /** How long the daemon has to print its listening line. Default 20 s. */
  startTimeoutMs?: number;
}

let building: Promise<void> | undefined;

/**
 * Builds the daemon bundle when it is stale (`build.mjs --if-stale`), once per process; run as
 * a command, not imported, so apps/os needs no dependency on packages/daemon. Skipped when
 * there is no build.mjs (a bin that still runs the sources).
 */
function ensureDaemonBuilt(): Promise<void> {
  if (!existsSync(DAEMON_BUILD)) return Promise.resolve();
  building ??= promisify(execFile)(process.execPath, [DAEMON_BUILD, "--if-stale"], {
    cwd: DAEMON_DIR,
  }).then(() => undefined);
  return building;
}

/**
 * Starts a daemon with exactly `env` (plus `PATH`, `HOME` and `PORT=0`): nothing of the test
 * process's own env leaks in, as in a real sandbox.
 *
 * @example
 * const daemon = await spawnDaemon({ ITERATE_PLATFORM_URL: "http://127.0.0.1:9", ... });
 * await fetch(`${daemon.url}/healthz`); // { ok: true, version }
 * await daemon.stop();
 */
export async function spawnDaemon(
  env: Record<string, string>,
  options: SpawnDaemonOptions = {},
): Promise<SpawnedDaemon> {
  await ensureDaemonBuilt();
  const home = await mkdtemp(join(tmpdir(), "iterate-daemon-"));
  const child = spawn(process.execPath, [DAEMON_BIN, "--home", home], {
    cwd: home,
    // ITERATE_EXIT_WITH_PARENT: the daemon exits when its stdin (our pipe) closes, so a test
    // process that dies without teardown leaves no daemon behind.
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      ...env,
      HOME: home,
      PORT: "0",
      ITERATE_EXIT_WITH_PARENT: "1",
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.on("error", () => {}); // never written; a daemon that exits closes it
  let output = "";
  const collect = (chunk: string) => {
    output = (output + chunk).slice(-16_384);
  };
  child.stdout.setEncoding("utf8").on("data", collect);
  child.stderr.setEncoding("utf8").on("data", collect);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      await kill(child, exited);
      await rm(home, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    const port = await waitForPort(child, () => output, options.startTimeoutMs ?? 20_000);
    return { url: `http://127.0.0.1:${port}`, home, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function waitForPort(child: ChildProcess, output: () => string, timeoutMs: number) {
  return new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`the daemon did not start within ${timeoutMs} ms:\n${output()}`));
    }, timeoutMs);
    const onData = () => {
      const match = LISTENING.exec(output());
      if (!match) return;
      finish();
      resolvePort(Number(match[1]));
    };
    const onExit = (code: number | null) => {
      finish();
      reject(new Error(`the daemon exited (${code}) before listening:\n${output()}`));
    };
    const finish = () => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
    };
    // Registered after the output collector, so output() already holds the chunk.
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
  });
}

async function kill(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
