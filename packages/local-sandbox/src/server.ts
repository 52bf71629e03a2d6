import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { serve } from "@hono/node-server";
import { createLocalSandboxApp } from "./app.ts";
import { defaultDaemonBundle } from "./daemon-bundle.ts";
import { openDaemonPidfile } from "./daemon-pidfile.ts";
import { createSandboxRegistry } from "./sandbox-registry.ts";

/** Options of {@link startLocalSandbox}. */
export interface LocalSandboxOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  hostname?: string;
  /** Shared secret every route but `GET /healthz` requires as `Authorization: Bearer`. */
  secret: string;
  /** State directory: `machines/<id>/` per sandbox, `daemons.json` (the pidfile). */
  root: string;
  /** Script each daemon runs as `node <bundle>`; default: the daemon bundle, rebuilt when stale. */
  daemonBundle?: string;
  /** SIGTERM → SIGKILL grace when stopping a daemon (default 5000 ms). */
  stopGraceMs?: number;
  /** How long a daemon may take to print its listening line (default 15000 ms). */
  startTimeoutMs?: number;
  /** One line per create, stop and delete (ids only); default `console.log`. */
  log?: (line: string) => void;
  /** Settings every daemon gets under the env it is created with (tests: `ITERATE_SSE_MAX_MS`). */
  daemonEnv?: Record<string, string>;
}

/** A listening local-sandbox service. */
export interface RunningLocalSandbox {
  /** `http://<hostname>:<port>` */
  url: string;
  port: number;
  /** Stops every daemon (SIGTERM, then SIGKILL after the grace), then the HTTP server. */
  close(): Promise<void>;
  /** SIGKILLs every daemon synchronously: for `process.on("exit")`, where nothing can wait. */
  killAll(): void;
}

/**
 * Starts the local stand-in for Daytona: stops daemons a previous run left behind, then listens.
 *
 * @example
 * const service = await startLocalSandbox({ port: 8788, secret, root: ".iterate-local" });
 * // POST {service.url}/sandboxes { env } → 201 { sandbox: { id, url, state: "running", … } }
 * await service.close();
 */
export async function startLocalSandbox(
  options: LocalSandboxOptions,
): Promise<RunningLocalSandbox> {
  const log = options.log ?? ((line: string) => console.log(line));
  const root = resolve(options.root);
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  await mkdir(join(root, "machines"), { recursive: true });
  const pidfile = await openDaemonPidfile({
    file: join(root, "daemons.json"),
    graceMs: stopGraceMs,
    log,
  });
  const bundle = options.daemonBundle;
  const registry = createSandboxRegistry({
    root,
    daemonBundle: bundle !== undefined ? async () => bundle : defaultDaemonBundle,
    stopGraceMs,
    startTimeoutMs: options.startTimeoutMs ?? 15_000,
    path: process.env.PATH,
    daemonEnv: options.daemonEnv,
    pidfile,
    log,
  });
  const app = createLocalSandboxApp({ secret: options.secret, registry, log });
  const hostname = options.hostname ?? "127.0.0.1";
  const server = serve({ fetch: app.fetch, port: options.port, hostname });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;

  let closed: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}`,
    port,
    close() {
      closed ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await registry.close();
        // Requests still open (a create waiting on its daemon) have their answer by now.
        if ("closeAllConnections" in server) server.closeAllConnections();
        await serverClosed;
      })();
      return closed;
    },
    killAll: () => registry.killAll(),
  };
}
