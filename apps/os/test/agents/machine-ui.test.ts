import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  MACHINE_UI_TTL_SECONDS,
  mintMachineUiCapability,
} from "../../src/agents/machine-ui-capability.ts";
import { ORIGIN, signUp } from "../helpers.ts";
import { itemsOf, readyUser, sseReader, userMessage, webSession } from "./support.ts";

let ready: Awaited<ReturnType<typeof readyUser>>;
let path: string;
beforeAll(async () => {
  ready = await readyUser("agents-machine-ui");
  path = await webSession(ready.machineFetch, [userMessage("tail me")]);
}, 60_000);

/** Opens the dashboard's page; returns the framed page's address and its prefix. */
async function enter(query = ""): Promise<{ prefix: string; location: string }> {
  const html = await ready.browser.page(`${ready.base}/machine-ui${query}`);
  const frame = /<iframe[^>]*\bsrc="([^"]+)"[^>]*>/.exec(html);
  expect(frame?.[0]).toContain('sandbox="allow-scripts"');
  const location = (frame?.[1] ?? "").replaceAll("&amp;", "&");
  const match = new RegExp(`^(${ready.base}/machine-ui/usr_[^/]+/)ui`).exec(location);
  expect(match, location).not.toBeNull();
  return { prefix: match?.[1] as string, location };
}

/** A request without any cookie, as the sandboxed page makes it (its page load as a frame). */
const bare = (url: string, init: RequestInit = {}) =>
  SELF.fetch(`${ORIGIN}${url}`, {
    redirect: "manual",
    ...init,
    headers: { "sec-fetch-dest": "iframe", ...(init.headers as Record<string, string>) },
  });

describe("the machine's own /ui through the platform", () => {
  it("serves the daemon's page under the prefix, sandboxed, with every URL it builds under that prefix", async () => {
    const { prefix, location } = await enter(`?session=${encodeURIComponent(path)}`);
    expect(location).toBe(`${prefix}ui?session=${encodeURIComponent(path)}`);
    const res = await bare(location);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/^sandbox allow-scripts;/);
    expect(csp).not.toContain("allow-same-origin");
    const html = await res.text();
    expect(html).toContain("tail me");
    expect(html).toContain(`data-stream="${prefix}agents/${path}"`);
    expect(html).toContain(`href="${prefix}ui?session=${encodeURIComponent(path)}`);
  });

  it("is only ever a frame of the dashboard: a browser's top-level load is 404, framing needs the platform's own page", async () => {
    const { location } = await enter(`?session=${encodeURIComponent(path)}`);
    const as = (dest: string) => bare(location, { headers: { "sec-fetch-dest": dest } });
    expect((await as("iframe")).status).toBe(200);
    for (const dest of ["document", "embed", "object", "empty"]) {
      const res = await as(dest);
      expect(res.status, dest).toBe(404);
      expect(await res.text()).not.toContain("tail me");
    }
    // A browser without Fetch Metadata says nothing: refused too.
    const unmarked = await SELF.fetch(`${ORIGIN}${location}`, { redirect: "manual" });
    expect(unmarked.status).toBe(404);
    const csp = (await as("iframe")).headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'self'");
    // The framing page lets frames load from the platform only, so the machine's page cannot
    // send its frame to another site; and it says who wrote what it shows.
    const page = await ready.browser.fetch(`${ready.base}/machine-ui`);
    expect(page.headers.get("content-security-policy")).toMatch(/default-src 'self'/);
    expect(page.headers.get("content-security-policy")).not.toMatch(/frame-src/);
    expect(await page.text()).toContain("data-machine-ui-notice");
  });

  it("relays the page's live tail and its Stop under the prefix, readable from the sandbox's opaque origin", async () => {
    const { prefix } = await enter();
    const res = await bare(`${prefix}agents/${path}?offset=-1&live=sse`, {
      headers: { origin: "null" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const sse = sseReader(res);
    const events = await sse.until((e) => e.event === "control" && e.data.includes("upToDate"));
    expect(itemsOf(events)).toHaveLength(1);
    await sse.cancel();
    const stop = await bare(`${prefix}agents-api/sessions/${path}/stop`, {
      method: "POST",
      headers: { origin: "null" },
    });
    expect(stop.status).toBe(200);
    expect(await stop.json()).toEqual({ stopped: false });
  });

  it("forwards nothing else: other daemon routes, other methods, other read modes are 404", async () => {
    const { prefix } = await enter();
    const refused: [string, string][] = [
      ["GET", "platform/config"],
      ["PUT", "platform/env"],
      ["GET", "agents-api/sessions"],
      ["POST", "agents-api/web-sessions"],
      ["GET", `agents/${path}?offset=-1`],
      ["GET", `agents/${path}?offset=-1&live=long-poll`],
      ["POST", `agents/${path}`],
      ["DELETE", `agents/${path}`],
      ["GET", `agents/web/..%2F..%2Fplatform%2Fconfig?offset=-1&live=sse`],
      ["GET", `agents/platform%2Fconfig?offset=-1&live=sse`],
      ["POST", `agents-api/sessions/web/..%2F..%2Fplatform%2Fenv/stop`],
      ["GET", "healthz"],
    ];
    for (const [method, rest] of refused) {
      const res = await bare(`${prefix}${rest}`, { method });
      expect(res.status, `${method} ${rest}`).toBe(404);
    }
  });

  it("refuses forged, expired and other instances' capabilities (404), and the entry needs a member", async () => {
    const { prefix } = await enter();
    const capability = prefix.split("/").at(-2) as string;
    const [user, expiry, mac] = capability.split(".");
    const forged = [
      `${user}.${expiry}.${"A".repeat(43)}`,
      `${user}.${(Number.parseInt(expiry as string, 36) + 60).toString(36)}.${mac}`,
      `usr_someoneelse0000000000.${expiry}.${mac}`,
      await mintMachineUiCapability(
        env,
        ready.user.instance.id,
        ready.user.user.id,
        Date.now() - (MACHINE_UI_TTL_SECONDS + 5) * 1000,
      ),
      "garbage",
    ];
    for (const cap of forged) {
      const res = await bare(`${ready.base}/machine-ui/${cap}/ui`);
      expect(res.status, cap).toBe(404);
    }
    // Someone else's capability for their own instance does not open this one…
    const other = await signUp("agents-machine-ui-other");
    const theirs = await mintMachineUiCapability(env, other.instance.id, other.user.id);
    expect((await bare(`${ready.base}/machine-ui/${theirs}/ui`)).status).toBe(404);
    // …nor does one minted for this instance in their name (they are not a member).
    const minted = await mintMachineUiCapability(env, ready.user.instance.id, other.user.id);
    expect((await bare(`${ready.base}/machine-ui/${minted}/ui`)).status).toBe(404);
    const entry = await SELF.fetch(`${ORIGIN}${ready.base}/machine-ui`, {
      headers: { cookie: other.cookie },
      redirect: "manual",
    });
    expect(entry.status).toBe(404);
    expect(await entry.text()).not.toContain("machine-ui/usr_");
  });
});
