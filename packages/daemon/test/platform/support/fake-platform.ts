import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createWaiters, listenLocal } from "./http-fake.ts";

/** One `POST /api/machine/ping` as the fake platform received it. */
export interface RecordedPing {
  authorization: string | undefined;
  body: { machineId: string; secret: string; version: string };
  /** What the fake answered. */
  status: number;
}

/**
 * `up` answers 200, `down` 503 (platform deploying), `reject` 401 (token not this machine's),
 * `conflict` 409 (the platform holds another secret for this machine), `redirect` 307 to the
 * `redirectTo` origin (same path).
 */
export type FakePlatformMode = "up" | "down" | "reject" | "conflict" | "redirect";

/** A real HTTP server on 127.0.0.1 standing in for the platform's machine-facing API. */
export interface FakePlatform {
  url: string;
  port: number;
  pings: RecordedPing[];
  /** Every request received, pings or not (`METHOD /path`). */
  requests: string[];
  setMode(mode: FakePlatformMode): void;
  /** Resolves once `count` pings (of any outcome) arrived; rejects after `timeoutMs`. */
  waitForPings(count: number, timeoutMs?: number): Promise<RecordedPing[]>;
  close(): Promise<void>;
}

/**
 * Starts the fake platform. `port` lets a test bring it up on an address a daemon was
 * already (unsuccessfully) pinging.
 *
 * @example
 * const platform = await startFakePlatform();
 * await platform.waitForPings(1);
 */
export async function startFakePlatform(
  options: {
    mode?: FakePlatformMode;
    port?: number;
    redirectTo?: string;
    /** Serve https with this key and certificate (e.g. a self-signed one) instead of http. */
    tls?: { key: string; cert: string };
  } = {},
): Promise<FakePlatform> {
  let mode = options.mode ?? "up";
  const pings: RecordedPing[] = [];
  const requests: string[] = [];
  const waiters = createWaiters();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (mode === "redirect") {
        res.writeHead(307, { location: `${options.redirectTo}${req.url}` }).end();
        return;
      }
      if (req.method !== "POST" || req.url !== "/api/machine/ping") {
        res.writeHead(404).end();
        return;
      }
      const status = { up: 200, down: 503, reject: 401, conflict: 409 }[mode as "up"];
      pings.push({
        authorization: req.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
        status,
      });
      waiters.wake();
      const body =
        status === 200
          ? { ok: true }
          : {
              error: {
                code:
                  { 401: "unauthorized", 409: "conflict" }[status as 401 | 409] ?? "internal_error",
                message: `mode ${mode}`,
              },
            };
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
  };
  const server: Server = options.tls
    ? createHttpsServer(options.tls, handler)
    : createServer(handler);
  const http = await listenLocal(server, options.port);
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${http.port}`,
    port: http.port,
    pings,
    requests,
    setMode(next) {
      mode = next;
    },
    waitForPings(count, timeoutMs = 15_000) {
      return waiters.until(
        () => pings.length >= count && pings.slice(0, count),
        timeoutMs,
        () => `expected ${count} ping(s), got ${pings.length}`,
      );
    },
    close: http.close,
  };
}
