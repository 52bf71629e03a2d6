import { Hono } from "hono";
import type { AgentRuntime } from "../agent-runtime.ts";
import { parseStreamName } from "../session/streams.ts";
import { renderUiPage } from "./ui-page.ts";

// A proxy prefix: a path of safe characters ending in "/" (never a scheme or another host).
const BASE_PATTERN = /^\/[A-Za-z0-9._~%/-]*\/$/;

/**
 * `GET /ui` (signed like every route; the dashboard reaches it through the platform's proxy):
 * the session list, and `?session=<path>` tailed live. `?base=/prefix/` makes its URLs
 * absolute under a proxy's prefix when relative ones would not resolve.
 *
 * @example app.route("/ui", createUiRoutes(runtime));
 */
export function createUiRoutes(runtime: AgentRuntime) {
  const app = new Hono();
  app.get("/", async (c) => {
    const rawBase = c.req.query("base") ?? "";
    // Served as `/ui/`, relative URLs would resolve below it: step back up.
    const fallback = c.req.path.endsWith("/") ? "../" : "";
    const base = BASE_PATTERN.test(rawBase) && !rawBase.startsWith("//") ? rawBase : fallback;
    const wanted = c.req.query("session");
    const path = wanted ? parseStreamName(wanted) : null;
    const sessions = await runtime.listSessions();
    const selected = path
      ? (sessions.find((s) => s.path === path) ?? (await runtime.getSession(path)))
      : null;
    c.header(
      "content-security-policy",
      "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'",
    );
    c.header("cache-control", "no-store");
    return c.html(renderUiPage({ sessions, selected, base }));
  });
  return app;
}
