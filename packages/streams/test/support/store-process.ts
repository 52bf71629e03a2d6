import { type ChildProcess, spawn } from "node:child_process";
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
