import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** A `serve-store.ts` child process. */
export interface StoreProcess {
  url: string;
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM (graceful) unless it already exited; resolves once it has. */
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL("./serve-store.ts", import.meta.url));

/** @example const server = await startStoreProcess(dir); server.child.kill("SIGKILL"); */
export async function startStoreProcess(dir: string, longPollMs = 1000): Promise<StoreProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, dir, String(longPollMs)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.stderr?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`serve-store exited with ${code}: ${out}`)));
  });
  return {
    url,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The store process of a test file, restartable on one temp directory per test. */
export interface StoreProcessHarness {
  /** A fresh temp directory, removed by `close()`. */
  tempDir(): Promise<string>;
  /** Starts a store process on `dir`; it becomes the current one. */
  start(dir: string): Promise<StoreProcess>;
  /** The current store process, if any. */
  current(): StoreProcess | undefined;
  /** Stops the current process and removes the temp directories; for `afterEach`. */
  close(): Promise<void>;
}

/**
 * @example
 * const store = storeProcessHarness("streams-kill9-");
 * afterEach(() => store.close());
 * await store.start(await store.tempDir());
 */
export function storeProcessHarness(prefix: string, longPollMs = 1000): StoreProcessHarness {
  let current: StoreProcess | undefined;
  const dirs: string[] = [];
  return {
    async tempDir() {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    async start(dir) {
      current = await startStoreProcess(dir, longPollMs);
      return current;
    },
    current: () => current,
    async close() {
      await current?.stop();
      current = undefined;
      await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}
