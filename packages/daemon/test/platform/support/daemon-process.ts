import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { tempDir } from "./temp.ts";

export { machineEnv } from "./machine-env.ts";

const BIN = fileURLToPath(new URL("../../../bin/iterate-daemon.js", import.meta.url));

/** A real `iterate-daemon` child process with its own HOME. */
export interface DaemonProcess {
  url: string;
  home: string;
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves when a line matching `pattern` was printed; rejects after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** A fresh temp HOME. */
export function tempHome(): Promise<string> {
  return tempDir("home-");
}

/** Spawns the daemon (`PORT=0`, `--home`) and resolves once it listens. */
export async function startDaemon(options: {
  home?: string;
  env: Record<string, string>;
}): Promise<DaemonProcess> {
  const home = options.home ?? (await tempHome());
  const { child, output, waitForOutput, exited } = spawnDaemon(home, options.env);
  const listening = await Promise.race([
    waitForOutput(/listening on :(\d+)/),
    exited.then((code) => {
      throw new Error(`daemon exited with ${code} before listening:\n${output()}`);
    }),
  ]);
  const port = /listening on :(\d+)/.exec(listening)?.[1];
  return {
    url: `http://127.0.0.1:${port}`,
    home,
    child,
    output,
    waitForOutput,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Runs the daemon expecting it to fail fast; resolves with its exit code and output. */
export async function runDaemonToExit(options: {
  home?: string;
  env: Record<string, string>;
}): Promise<{ code: number | null; stderr: string; output: string }> {
  const home = options.home ?? (await tempHome());
  const { child, output, exited, stderr } = spawnDaemon(home, options.env);
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  const code = await exited;
  clearTimeout(timer);
  return { code, stderr: stderr(), output: output() };
}

function spawnDaemon(home: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, "--home", home], {
    // A clean env: nothing from the test runner (tokens, HOME) leaks into the daemon.
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let all = "";
  let err = "";
  const listeners = new Set<() => void>();
  const onData = (isErr: boolean) => (chunk: Buffer) => {
    all += chunk.toString("utf8");
    if (isErr) err += chunk.toString("utf8");
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", onData(false));
  child.stderr?.on("data", onData(true));
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  function waitForOutput(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const line = all.split("\n").find((l) => pattern.test(l));
        if (line === undefined) return;
        cleanup();
        resolve(line);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms:\n${all}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  }
  return { child, output: () => all, stderr: () => err, waitForOutput, exited };
}
