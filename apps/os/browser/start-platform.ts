/**
 * The whole product for Node-side tests and benchmarks, as `pnpm dev` runs it: a real
 * local-sandbox (real daemon processes from the real bundle) and the real platform worker
 * (start-worker.ts) with `MACHINE_PROVIDER=local`, whose `PLATFORM_URL` is the worker's own
 * address — so daemons ping the platform for real and the whole handshake runs end to end.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { startLocalSandbox } from "@iterate/local-sandbox";
import { type RunningWorker, startPlatformWorker } from "./start-worker.ts";

/** The running product. */
export type RunningPlatform = {
  worker: RunningWorker;
  /** The local-sandbox service and its state root (`machines/<sandbox id>/home`). */
  sandbox: { url: string; secret: string; root: string };
  stop(): Promise<void>;
};

/** A free TCP port on 127.0.0.1 (the worker's URL must be known before it starts). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * @example
 * const platform = await startPlatform();
 * await fetch(new URL("/api/auth/signup", platform.worker.url), { method: "POST", … });
 * await platform.stop(); // every daemon stopped, temp dirs removed
 */
export async function startPlatform(
  options: {
    vars?: Record<string, string>;
    /** Settings every machine's daemon gets (local-sandbox `daemonEnv`). */
    daemonEnv?: Record<string, string>;
  } = {},
): Promise<RunningPlatform> {
  const root = await mkdtemp(path.join(tmpdir(), "iterate-local-"));
  const secret = randomBytes(24).toString("base64url");
  const sandbox = await startLocalSandbox({
    port: 0,
    secret,
    root,
    stopGraceMs: 2_000,
    log: () => {},
    daemonEnv: options.daemonEnv,
  });
  const port = await freePort();
  try {
    const worker = await startPlatformWorker({
      port,
      vars: {
        PLATFORM_URL: `http://127.0.0.1:${port}`,
        MACHINE_PROVIDER: "local",
        LOCAL_SANDBOX_URL: sandbox.url,
        LOCAL_SANDBOX_SECRET: secret,
        ...options.vars,
      },
    });
    return {
      worker,
      sandbox: { url: sandbox.url, secret, root },
      async stop() {
        await worker.stop();
        await sandbox.close();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await sandbox.close();
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}
