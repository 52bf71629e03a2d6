import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { constants } from "node:os";

/** The line the daemon prints once it listens (packages/daemon/src/cli.ts). */
const LISTENING_LINE = /^iterate-daemon listening on :(\d+)\s*$/m;
/** How much of the daemon's stderr is kept to explain a failed start. */
const STDERR_TAIL_BYTES = 4096;
const STDERR_TAIL_LINES = 5;

/** Options of {@link spawnDaemon}. */
export interface SpawnDaemonOptions {
  /** The script run as `node <bundle> --home <home>`. */
  bundle: string;
  /** The daemon's HOME, also its cwd; must exist. */
  home: string;
  /** The daemon's complete process env. */
  env: Record<string, string>;
  /** stdout and stderr are appended here. */
  logPath: string;
  /** How long to wait for the listening line before killing the daemon. */
  startTimeoutMs: number;
  /** The Node binary (default: the one running this service). */
  nodePath?: string;
}

/** How a start ended: the port the daemon listens on, or why it never did (in words). */
export type DaemonStart = { ok: true; port: number } | { ok: false; reason: string };

/** One daemon child process. */
export interface DaemonProcess {
  /** Undefined only when the process could not be spawned. */
  readonly pid: number | undefined;
  /** Resolves once the daemon listens and answers /healthz, or failed to (a timed-out one is dead by then). */
  readonly started: Promise<DaemonStart>;
  /** Resolves when the process is gone: its exit code, 128 + signal number, or null if never spawned. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Idempotent. */
  stop(graceMs: number): Promise<void>;
  /** SIGKILL now, synchronously: for `process.on("exit")`, where nothing can be awaited. */
  kill(): void;
}

/**
 * Starts one daemon as a child process. Its stdin is a pipe this process holds and never
 * writes: with `ITERATE_EXIT_WITH_PARENT=1` in `env`, the daemon shuts down when that pipe
 * closes, which the kernel does however this process dies (SIGKILL included). Output goes to
 * `logPath` only; the env is never written anywhere.
 *
 * @example
 * const daemon = spawnDaemon({ bundle, home, env, logPath, startTimeoutMs: 15_000 });
 * const start = await daemon.started; // { ok: true, port: 41234 }
 * await daemon.stop(5_000);
 */
export function spawnDaemon(options: SpawnDaemonOptions): DaemonProcess {
  const log = createWriteStream(options.logPath, { flags: "a" });
  let gone = false;
  // Set when this side gave up waiting, so the exit that follows is explained by it.
  let failure: string | null = null;
  let stderrTail = "";
  let stdoutPending = "";
  let port: number | null = null;
  let settle: (start: DaemonStart) => void = () => {};
  const started = new Promise<DaemonStart>((resolve) => {
    settle = (start) => {
      settle = () => {};
      resolve(start);
    };
  });
  let markExited: (code: number | null) => void = () => {};
  const exited = new Promise<number | null>((resolve) => {
    markExited = resolve;
  });

  const child: ChildProcess = spawn(
    options.nodePath ?? process.execPath,
    [options.bundle, "--home", options.home],
    { cwd: options.home, env: options.env, stdio: ["pipe", "pipe", "pipe"] },
  );
  log.write(
    `--- ${new Date().toISOString()} local-sandbox started the daemon (pid ${child.pid})\n`,
  );
  // Never written to; a daemon that exits closes it, which must not become an unhandled EPIPE.
  child.stdin?.on("error", () => {});

  child.stdout?.on("data", (chunk: Buffer) => {
    log.write(chunk);
    stdoutPending = (stdoutPending + chunk.toString("utf8")).slice(-4096);
    const match = port === null ? LISTENING_LINE.exec(stdoutPending) : null;
    if (match) {
      stdoutPending = "";
      port = Number(match[1]);
      void settleWhenHealthy(port);
    }
  });
  // The line alone is not enough: the daemon prints it before it installs its SIGTERM handler
  // (and starts its first fetch in between), so a stop sent at once could kill it mid-start
  // instead of shutting it down. Once /healthz answers, its start-up code has run to the end.
  async function settleWhenHealthy(listeningPort: number): Promise<void> {
    const url = `http://127.0.0.1:${listeningPort}/healthz`;
    while (!gone && failure === null) {
      const healthy = await fetch(url, { signal: AbortSignal.timeout(1_000) }).then(
        async (res) => {
          await res.body?.cancel();
          return res.ok;
        },
        () => false,
      );
      if (healthy) return settle({ ok: true, port: listeningPort });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  child.stderr?.on("data", (chunk: Buffer) => {
    log.write(chunk);
    stderrTail = (stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
  });
  const lastStderr = () => {
    const lines = stderrTail
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "");
    return lines.length > 0 ? `: ${lines.slice(-STDERR_TAIL_LINES).join(" | ")}` : "";
  };

  child.once("error", (error) => {
    // Spawn failures (no pid) never emit "exit"; other errors (a failed kill) change nothing.
    if (child.pid !== undefined) return;
    gone = true;
    settle({ ok: false, reason: `the daemon could not be started: ${error.message}` });
    log.end();
    markExited(null);
  });
  child.once("exit", (code, signal) => {
    gone = true;
    const exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
    settle({
      ok: false,
      reason: failure ?? `the daemon exited with code ${exitCode} before listening${lastStderr()}`,
    });
    markExited(exitCode);
  });
  // "close" comes after "exit", once stdout and stderr are drained into the log.
  child.once("close", () => log.end());

  const timeout = setTimeout(() => {
    if (gone) return;
    const seconds = options.startTimeoutMs / 1000;
    failure =
      port === null
        ? `the daemon did not listen within ${seconds} s${lastStderr()}`
        : `the daemon listened on :${port} but its /healthz did not answer 200 within ${seconds} s`;
    child.kill("SIGKILL"); // "started" settles on its exit: the answer comes once it is dead
  }, options.startTimeoutMs);
  void started.then(() => clearTimeout(timeout));

  let stopping: Promise<void> | null = null;
  return {
    pid: child.pid,
    started,
    exited,
    stop(graceMs) {
      if (gone) return exited.then(() => {});
      stopping ??= (async () => {
        child.kill("SIGTERM");
        let timer: NodeJS.Timeout | undefined;
        const inTime = await Promise.race([
          exited.then(() => true),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), graceMs);
          }),
        ]);
        clearTimeout(timer);
        if (!inTime) {
          child.kill("SIGKILL");
          await exited;
        }
      })();
      return stopping;
    },
    kill() {
      if (!gone) child.kill("SIGKILL");
    },
  };
}
