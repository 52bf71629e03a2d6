import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { ORIGIN, signUp } from "../helpers.ts";
import {
  appendItems,
  controlsOf,
  itemsOf,
  readyUser,
  sseReader,
  userMessage,
  webSession,
} from "./support.ts";

let ready: Awaited<ReturnType<typeof readyUser>>;
beforeAll(async () => {
  ready = await readyUser("agents-relay");
}, 60_000);

const streamUrl = (path: string) => `${ready.base}/agents/${encodeURIComponent(path)}/stream`;
const open = (path: string, offset?: string, cookie = ready.user.cookie) =>
  SELF.fetch(`${ORIGIN}${streamUrl(path)}${offset ? `?offset=${offset}` : ""}`, {
    headers: { cookie, accept: "text/event-stream" },
  });

describe("the live view's SSE relay", () => {
  it("relays the session's stream from the machine as an uncached event stream", async () => {
    const path = await webSession(ready.machineFetch, [userMessage("one"), userMessage("two")]);
    const res = await open(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const sse = sseReader(res);
    const events = await sse.until((e) => e.event === "control" && e.data.includes("upToDate"));
    expect(
      itemsOf(events).map((i) => (i.message as { content: { text: string }[] }).content[0]?.text),
    ).toEqual(["one", "two"]);
    await sse.cancel();
  });

  it("hands on what is appended while the connection is open, as it happens (not polled, not buffered)", async () => {
    const path = await webSession(ready.machineFetch, [userMessage("before")]);
    const sse = sseReader(await open(path));
    await sse.until((e) => e.event === "control" && e.data.includes("upToDate"));
    const appendedAt = Date.now();
    await appendItems(ready.machineFetch, path, [userMessage("while you watch")]);
    const events = await sse.until(
      (e) => e.event === "data" && e.data.includes("while you watch"),
      5_000,
    );
    // The same connection, well inside the daemon's one-minute SSE lifetime.
    expect(Date.now() - appendedAt).toBeLessThan(2_000);
    expect(itemsOf(events)).toHaveLength(2);
    await sse.cancel();
  });

  it("resumes from the last offset: a reconnect sees only what came after", async () => {
    const path = await webSession(ready.machineFetch, [userMessage("seen")]);
    const first = sseReader(await open(path));
    const events = await first.until((e) => e.event === "control" && e.data.includes("upToDate"));
    const offset = controlsOf(events).at(-1)?.streamNextOffset as string;
    expect(offset).toMatch(/^\d{16}_\d{16}$/);
    await first.cancel();
    await appendItems(ready.machineFetch, path, [userMessage("missed while away")]);
    const again = sseReader(await open(path, offset));
    const resumed = await again.until((e) => e.event === "control" && e.data.includes("upToDate"));
    expect(
      itemsOf(resumed).map((i) => (i.message as { content: { text: string }[] }).content[0]?.text),
    ).toEqual(["missed while away"]);
    await again.cancel();
  });

  it("is 404 for a session the machine does not have and for another instance's session", async () => {
    expect((await open("web/ses_doesnotexist")).status).toBe(404);
    const path = await webSession(ready.machineFetch, [userMessage("private")]);
    const other = await signUp("agents-relay-other");
    const res = await open(path, undefined, other.cookie);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("private");
  });

  it("needs a session cookie (an EventSource without one is sent to log in)", async () => {
    const path = await webSession(ready.machineFetch, []);
    const res = await SELF.fetch(`${ORIGIN}${streamUrl(path)}`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toMatch(/^\/login\?next=/);
  });
});
