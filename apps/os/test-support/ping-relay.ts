/**
 * The platform's front door as the daemons in workerd tests see it. Tests run the worker inside
 * vitest-pool-workers, which has no port a daemon could reach, so daemons are started with
 * `ITERATE_PLATFORM_URL` pointing here: this real HTTP server on 127.0.0.1 records each
 * `POST /api/machine/ping` exactly as received (bearer token and body) and answers 200, and the
 * test delivers the recorded ping to the real route with `SELF.fetch` (test/machines/support.ts).
 *
 * Test-facing: `GET /recorded?machineId=mch_…` lists what arrived for a machine; `/echo/*`
 * answers any request with its method, path, headers and body (a stand-in daemon for signing
 * tests); `/redirect/*` answers 307 to `/echo/redirected` (a redirect must not be followed).
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { RecordedPing } from "./machines-context.ts";

export type PingRelay = { url: string; close(): Promise<void> };

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * @example const relay = await startPingRelay(); // daemons get ITERATE_PLATFORM_URL=relay.url
 */
export async function startPingRelay(): Promise<PingRelay> {
  const pings = new Map<string, RecordedPing[]>();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://relay");
    if (req.method === "POST" && url.pathname === "/api/machine/ping") {
      const body = await readBody(req);
      const machineId = (() => {
        try {
          return String((JSON.parse(body) as { machineId?: unknown }).machineId);
        } catch {
          return "";
        }
      })();
      const list = pings.get(machineId) ?? [];
      list.push({ authorization: req.headers.authorization ?? "", body, at: Date.now() });
      pings.set(machineId, list);
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      return;
    }
    if (req.method === "GET" && url.pathname === "/recorded") {
      const list = pings.get(url.searchParams.get("machineId") ?? "") ?? [];
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ pings: list }));
      return;
    }
    if (url.pathname.startsWith("/echo/")) {
      const body = await readBody(req);
      const echo = { method: req.method, path: req.url, headers: req.headers, body };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(echo));
      return;
    }
    if (url.pathname.startsWith("/redirect/")) {
      res.writeHead(307, { location: "/echo/redirected" }).end();
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
