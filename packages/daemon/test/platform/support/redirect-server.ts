import { createServer } from "node:http";
import { listenLocal } from "./http-fake.ts";

/** An HTTP server on 127.0.0.1 that answers every request with a redirect to `target`. */
export interface RedirectServer {
  url: string;
  /** `METHOD /path` of every request, in order. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Redirects every request (`status`, default 307) to the same path and query under `target`:
 * a git host or platform that moved, or one that hands its visitors to someone else.
 *
 * @example
 * const moved = await startRedirectServer({ target: host.url }); // git clone `${moved.url}/x.git`
 */
export async function startRedirectServer(options: {
  target: string;
  status?: number;
}): Promise<RedirectServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(options.status ?? 307, { location: `${options.target}${req.url}` }).end();
  });
  const http = await listenLocal(server);
  return {
    url: `http://127.0.0.1:${http.port}`,
    requests,
    close: http.close,
  };
}
