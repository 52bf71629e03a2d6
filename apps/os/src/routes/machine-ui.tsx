/**
 * The daemon's own `/ui` (its session list and live tail), reached from the dashboard through
 * the platform: `GET /instances/:id/machine-ui[?session=<path>]` (signed-in member) mints a
 * capability and shows a dashboard page framing `/instances/:id/machine-ui/<capability>/ui`,
 * which proxies the daemon's page with `fetchForInstance` (and only into that frame). The page builds every URL from the `base` the proxy
 * passes (ui-page.ts: `${base}ui?session=…`, `${base}agents/<path>?offset=…&live=sse`,
 * `${base}agents-api/sessions/<path>/stop`), so exactly those three are forwarded under the
 * prefix; anything else is 404.
 *
 * The machine wrote that page, so it is served sandboxed (machine-ui-capability.ts says why):
 * an opaque origin without the platform's cookies, whose requests carry the capability in their
 * path. Its stream and Stop answers allow that origin (`Access-Control-Allow-Origin: *`; they
 * hold nothing the capability holder may not read).
 */
import { AppError } from "@iterate/contract";
import { Hono } from "hono";
import { agentsClient } from "../agents/agents-client.ts";
import {
  mintMachineUiCapability,
  verifyMachineUiCapability,
} from "../agents/machine-ui-capability.ts";
import { parseSessionPath, parseStreamOffset } from "../agents/session-path.ts";
import { relaySessionStream } from "../agents/session-relay.ts";
import type { AppEnv } from "../app-env.ts";
import { createDb } from "../db/client.ts";
import { findInstanceForUser } from "../db/instances.ts";
import { fetchForInstance } from "../machines/fetch-for-instance.ts";
import { MachineUiPage } from "../ui/pages/machine-ui-page.tsx";
import { layoutProps } from "./pages/page-context.ts";

/**
 * The proxied page's policy: scripts run, but in a sandbox without `allow-same-origin` (no
 * cookies, no access to the platform's pages or storage); it may only call back to this origin.
 */
export const MACHINE_UI_CSP = [
  "sandbox allow-scripts",
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "script-src 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'none'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'self'",
].join("; ");

const notFound = () => new AppError("not_found", "There is nothing at this address.");
const STOP = /^agents-api\/sessions\/(.+)\/stop$/;

const machineUiPrefix = (instanceId: string, capability: string) =>
  `/instances/${instanceId}/machine-ui/${capability}/`;

/**
 * Mounted at `/instances/:instanceId/machine-ui` in the dashboard (behind `requireUser()` +
 * `instanceAccess()`): a fresh capability for the signed-in member, then the proxied page.
 */
export const machineUiEntry = new Hono<AppEnv>().get("/", async (c) => {
  const layout = layoutProps(c);
  const capability = await mintMachineUiCapability(c.env, layout.instance.id, layout.user.id);
  const session = parseSessionPath(c.req.query("session"));
  const query = session ? `?session=${encodeURIComponent(session)}` : "";
  const src = `${machineUiPrefix(layout.instance.id, capability)}ui${query}`;
  c.header("cache-control", "no-store");
  return c.html(<MachineUiPage {...layout} src={src} />);
});

/**
 * Mounted at `/instances/:instanceId/machine-ui` before the dashboard (the sandboxed page sends
 * no cookie): the capability is the authority, re-checked against the membership on every use.
 */
export const machineUiProxy = new Hono<AppEnv>().all("/:capability/:rest{.+}", async (c) => {
  const instanceId = c.req.param("instanceId") ?? "";
  const capability = c.req.param("capability");
  const userId = await verifyMachineUiCapability(c.env, instanceId, capability);
  if (!userId || !(await findInstanceForUser(createDb(c.env.DB), userId, instanceId))) {
    throw notFound();
  }
  const rest = c.req.param("rest");
  const method = c.req.method;

  if (method === "GET" && rest === "ui") {
    // Only ever framed by the dashboard's page (machine-ui-page.tsx): opened as a page of its
    // own it would stand on the platform's address, free to navigate itself anywhere. A request
    // that does not say it is a frame (no Fetch Metadata: an old browser) is refused as well.
    if (c.req.header("sec-fetch-dest") !== "iframe") {
      throw new AppError(
        "not_found",
        `The machine's own view opens inside the dashboard: /instances/${instanceId}/machine-ui`,
      );
    }
    const query = new URLSearchParams();
    const session = parseSessionPath(c.req.query("session"));
    if (session) query.set("session", session);
    query.set("base", machineUiPrefix(instanceId, capability));
    let page: Response;
    try {
      page = await fetchForInstance(c.env, instanceId)(`/ui?${query}`, {
        headers: { accept: "text/html" },
      });
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError("upstream_error", "The machine could not be reached.", 502);
    }
    if (page.status !== 200 || !page.body) {
      await page.body?.cancel();
      throw new AppError("upstream_error", `The machine answered ${page.status}.`, 502);
    }
    return new Response(page.body, {
      status: 200,
      headers: {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": MACHINE_UI_CSP,
        "cache-control": "no-store",
        "referrer-policy": "no-referrer",
        "x-content-type-options": "nosniff",
      },
    });
  }

  if (method === "GET" && rest.startsWith("agents/")) {
    const path = parseSessionPath(rest.slice("agents/".length));
    const offset = parseStreamOffset(c.req.query("offset"));
    if (!path || !offset || c.req.query("live") !== "sse") throw notFound();
    const relayed = await relaySessionStream(c.env, instanceId, path, offset, c.req.raw.signal);
    relayed.headers.set("access-control-allow-origin", "*");
    return relayed;
  }

  const stop = STOP.exec(rest);
  const stopPath = stop ? parseSessionPath(stop[1]) : null;
  if (method === "POST" && stopPath) {
    const { stopped } = await agentsClient(c.env, instanceId).stop(stopPath);
    c.header("access-control-allow-origin", "*");
    c.header("cache-control", "no-store");
    return c.json({ stopped });
  }
  throw notFound();
});
