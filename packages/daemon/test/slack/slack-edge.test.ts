import { signRequest, slackThreadStream } from "@iterate/contract";
import { createFileStreamStore, createMemoryStreamStore, type StreamStore } from "@iterate/streams";
import { faultyFs } from "@iterate/streams/testing";
import { afterEach, describe, expect, it } from "vitest";
import { createDaemonApp } from "../../src/app.ts";
import { platformAuth } from "../../src/auth/platform-auth.ts";
import type { AcceptedSlackEvent } from "../../src/slack/slack-edge-routes.ts";
import { createSlackEventLog } from "../../src/slack/slack-event-log.ts";
import { tempDir } from "../platform/support/temp.ts";

const SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I";
const MACHINE = "mch_slacktest";

let stores: StreamStore[] = [];
afterEach(async () => {
  await Promise.all(stores.map((store) => store.close()));
  stores = [];
});

function envelope(eventId: string, event: Record<string, unknown> = {}) {
  return {
    token: "legacy",
    type: "event_callback",
    team_id: "T1",
    api_app_id: "A1",
    event_id: eventId,
    event_time: 1_712_345_678,
    event: {
      type: "message",
      channel: "C1",
      user: "U1",
      text: `text of ${eventId}`,
      ts: "1712345678.000100",
      ...event,
    },
  };
}

/** The daemon app with Slack and streams mounted (no auth unless asked), on `store`. */
function daemon(store: StreamStore, options: { auth?: boolean } = {}) {
  stores.push(store);
  const received: AcceptedSlackEvent[] = [];
  const app = createDaemonApp({
    auth: options.auth ? platformAuth({ secret: SECRET, machineId: MACHINE }) : undefined,
    agents: { store, longPollTimeoutMs: 100 },
    slack: {
      events: createSlackEventLog({ store }),
      onSlackEvent: (event) => {
        received.push(event);
      },
    },
  });
  const post = (body: unknown) =>
    app.request("/edge/slack", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const items = async (stream: string) => {
    const res = await app.request(`/agents/${stream}?offset=-1`);
    return res.status === 404 ? [] : ((await res.json()) as { eventId: string; text: string }[]);
  };
  return { app, post, items, received };
}

describe("daemon POST /edge/slack", () => {
  it("records an event in its thread's stream and hands it to the handler (200)", async () => {
    const { post, items, received } = daemon(createMemoryStreamStore());
    const res = await post(envelope("Ev1"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      ok: true,
      duplicate: false,
      ignored: null,
      stream: "slack/T1/C1/1712345678.000100",
    });
    const [item] = await items("slack/T1/C1/1712345678.000100");
    expect(item).toMatchObject({
      type: "slack_event",
      eventId: "Ev1",
      eventType: "message",
      teamId: "T1",
      channel: "C1",
      user: "U1",
      text: "text of Ev1",
      ts: "1712345678.000100",
      threadTs: "1712345678.000100",
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(received.map((event) => event.item.eventId)).toEqual(["Ev1"]);
  });

  it("puts a reply in its thread's stream (thread_ts), in arrival order", async () => {
    const { post, items } = daemon(createMemoryStreamStore());
    const root = "1712345678.000100";
    await post(envelope("Ev1", { ts: root }));
    await post(envelope("Ev2", { ts: "1712345679.000200", thread_ts: root }));
    await post(envelope("Ev3", { ts: "1712345680.000300", thread_ts: root }));
    expect((await items(`slack/T1/C1/${root}`)).map((item) => item.eventId)).toEqual([
      "Ev1",
      "Ev2",
      "Ev3",
    ]);
  });

  it("answers an event id it already has 200 duplicate and appends nothing", async () => {
    const { post, items, received } = daemon(createMemoryStreamStore());
    await post(envelope("Ev1"));
    const again = await post(envelope("Ev1"));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ ok: true, duplicate: true });
    expect(await items("slack/T1/C1/1712345678.000100")).toHaveLength(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(received).toHaveLength(1);
  });

  it("records a message Slack sends as two events (app_mention and message, same ts) once", async () => {
    const { post, items } = daemon(createMemoryStreamStore());
    await post(envelope("EvMention", { type: "app_mention" }));
    const second = await post(envelope("EvMessage", { type: "message" }));
    expect(await second.json()).toMatchObject({ duplicate: true });
    const recorded = await items("slack/T1/C1/1712345678.000100");
    expect(recorded.map((item) => item.eventId)).toEqual(["EvMention"]);
  });

  it("records an app_mention after its message twin (it says the bot was meant), but not a message after its app_mention", async () => {
    const { post, items } = daemon(createMemoryStreamStore());
    await post(envelope("EvMessage", { type: "message" }));
    const mention = await post(envelope("EvMention", { type: "app_mention" }));
    expect(await mention.json()).toMatchObject({ duplicate: false });
    const third = await post(envelope("EvMessage2", { type: "message" }));
    expect(await third.json()).toMatchObject({ duplicate: true });
    const recorded = await items("slack/T1/C1/1712345678.000100");
    expect(recorded.map((item) => item.eventId)).toEqual(["EvMessage", "EvMention"]);
  });

  it("records two copies racing in once", async () => {
    const { post, items } = daemon(createMemoryStreamStore());
    const answers = await Promise.all([post(envelope("Ev1")), post(envelope("Ev1"))]);
    const bodies = await Promise.all(answers.map((res) => res.json()));
    expect(bodies.map((body) => (body as { duplicate: boolean }).duplicate).sort()).toEqual([
      false,
      true,
    ]);
    expect(await items("slack/T1/C1/1712345678.000100")).toHaveLength(1);
  });

  it("still knows an event id after a restart (the stream is the dedup record)", async () => {
    const dir = await tempDir("slack-streams-");
    const first = daemon(await createFileStreamStore({ dir }));
    await first.post(envelope("Ev1"));
    await stores.pop()?.close();
    const second = daemon(await createFileStreamStore({ dir }));
    const again = await second.post(envelope("Ev1"));
    expect(await again.json()).toMatchObject({ duplicate: true });
    const fresh = await second.post(envelope("Ev2", { ts: "1712345679.000200" }));
    expect(await fresh.json()).toMatchObject({ duplicate: false });
    expect(
      (await second.items("slack/T1/C1/1712345678.000100")).map((item) => item.eventId),
    ).toEqual(["Ev1"]);
  });

  it("answers a failed disk write 503 storage_failed (the platform keeps the event), and records the retry", async () => {
    const faulty = faultyFs();
    const { post, items, received } = daemon(
      await createFileStreamStore({ dir: await tempDir("slack-streams-"), segmentFs: faulty.fs }),
    );
    // The thread's stream exists (an earlier event), so the failing write is the event's append.
    await post(envelope("Ev1"));
    faulty.fail("write", "ENOSPC");
    const failed = await post(
      envelope("Ev2", { ts: "1712345678.000200", thread_ts: "1712345678.000100" }),
    );
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as { error: { code: string } }).error.code).toBe(
      "storage_failed",
    );
    const retried = await post(
      envelope("Ev2", { ts: "1712345678.000200", thread_ts: "1712345678.000100" }),
    );
    expect(await retried.json()).toMatchObject({ ok: true, duplicate: false });
    expect((await items("slack/T1/C1/1712345678.000100")).map((item) => item.eventId)).toEqual([
      "Ev1",
      "Ev2",
    ]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(received.map((event) => event.envelope.event_id)).toEqual(["Ev1", "Ev2"]);
  });

  it("answers 503 storage_failed when a new thread's stream cannot be created (a full disk), and records the retry", async () => {
    const faulty = faultyFs();
    const { post, items } = daemon(
      await createFileStreamStore({ dir: await tempDir("slack-streams-"), segmentFs: faulty.fs }),
    );
    faulty.fail("open", "ENOSPC");
    const failed = await post(envelope("Ev1"));
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as { error: { code: string } }).error.code).toBe(
      "storage_failed",
    );
    expect(await (await post(envelope("Ev1"))).json()).toMatchObject({
      ok: true,
      duplicate: false,
    });
    expect((await items("slack/T1/C1/1712345678.000100")).map((item) => item.eventId)).toEqual([
      "Ev1",
    ]);
  });

  it.each([
    ["the bot's own message (bot_id)", { bot_id: "B1" }, "bot_message"],
    ["a bot_message", { subtype: "bot_message" }, "bot_message"],
    ["an edit", { subtype: "message_changed" }, "message_changed"],
    ["a deletion", { subtype: "message_deleted" }, "message_deleted"],
  ])("acknowledges %s and records nothing", async (_what, event, reason) => {
    const { post, items, received } = daemon(createMemoryStreamStore());
    const res = await post(envelope("Ev1", event));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, duplicate: false, ignored: reason, stream: null });
    expect(await items("slack/T1/C1/1712345678.000100")).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(received).toEqual([]);
  });

  it.each([
    ["no channel", { channel: undefined }],
    ["a ts that is not a Slack ts", { ts: "../../x" }],
    ["a channel that would change the stream path", { channel: "C1/../../x" }],
  ])("refuses an envelope with %s (400 validation_failed)", async (_what, event) => {
    const { post } = daemon(createMemoryStreamStore());
    const res = await post(envelope("Ev1", event));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      "validation_failed",
    );
  });

  it("names the thread stream slack/<team>/<channel>/<thread_ts ?? ts>", () => {
    expect(slackThreadStream(envelope("Ev1") as never)).toBe("slack/T1/C1/1712345678.000100");
    expect(slackThreadStream(envelope("Ev1", { thread_ts: "1700000000.000001" }) as never)).toBe(
      "slack/T1/C1/1700000000.000001",
    );
  });

  it("sits behind platformAuth: unsigned → 401, signed → 200", async () => {
    const { app } = daemon(createMemoryStreamStore(), { auth: true });
    const body = JSON.stringify(envelope("Ev1"));
    const unsigned = await app.request("/edge/slack", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(unsigned.status).toBe(401);
    const token = await signRequest({
      secret: SECRET,
      machineId: MACHINE,
      method: "POST",
      url: "/edge/slack",
      body,
    });
    const signed = await app.request("/edge/slack", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body,
    });
    expect(signed.status).toBe(200);
  });
});
