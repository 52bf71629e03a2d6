import { Hono } from "hono";
import { DAEMON_VERSION } from "./version.ts";

/**
 * The daemon's HTTP surface. Sub-apps are mounted here and nowhere else:
 * `/healthz` is the only unauthenticated route.
 *
 * @example
 * const app = createDaemonApp();
 * await app.request("/healthz"); // 200 { ok: true, version }
 */
export function createDaemonApp() {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ ok: true, version: DAEMON_VERSION }));
  return app;
}
