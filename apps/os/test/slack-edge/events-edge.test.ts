import { env } from "cloudflare:test";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../src/app-env.ts";
import { errorHandler } from "../../src/middleware/error-handler.tsx";
import { SLACK_EVENTS_MAX_BODY_BYTES, slackEventsEdge } from "../../src/slack/events-edge.ts";
import { expectError } from "../helpers.ts";
import { uniqueTeam } from "../slack/support.ts";
import {
  connectedInstanceNotReady,
  messageEnvelope,
  outboxStatus,
  postEvent,
  slackHeaders,
  uniqueEventId,
} from "./support.ts";

const now = () => Math.floor(Date.now() / 1000);

/** The edge alone (with its own log and env), for what SELF cannot vary. */
function edgeWith(bindings: Partial<typeof env>) {
  const lines: string[] = [];
  const app = new Hono<AppEnv>()
    .route("/edge/slack", slackEventsEdge({ log: (line) => lines.push(line) }))
    .onError(errorHandler());
  const post = (body: string, headers = slackHeaders(body)) =>
    app.request("/edge/slack/events", { method: "POST", headers, body }, { ...env, ...bindings });
  return { post, lines };
}

describe("POST /edge/slack/events: Slack's signature", () => {
  it("answers url_verification with its challenge (200), no cookie needed or set", async () => {
    const res = await postEvent({ type: "url_verification", token: "x", challenge: "ch4ll3nge" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: "ch4ll3nge" });
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it("refuses a signature made with another secret (401 bad_signature)", async () => {
    const body = JSON.stringify({ type: "url_verification", challenge: "c" });
    const res = await postEvent(body, { headers: slackHeaders(body, { secret: "not-ours" }) });
    await expectError(res, 401, "bad_signature");
  });

  it("refuses a body changed after signing (401 bad_signature)", async () => {
    const body = JSON.stringify({ type: "url_verification", challenge: "c" });
    const res = await postEvent(body.replace('"c"', '"d"'), { headers: slackHeaders(body) });
    await expectError(res, 401, "bad_signature");
  });

  it("refuses a correctly signed request more than 5 minutes old (401 expired)", async () => {
    const body = JSON.stringify({ type: "url_verification", challenge: "c" });
    const res = await postEvent(body, { headers: slackHeaders(body, { timestamp: now() - 301 }) });
    await expectError(res, 401, "expired");
  });

  it("refuses a correctly signed request from more than 5 minutes ahead (401 not_yet_valid)", async () => {
    const body = JSON.stringify({ type: "url_verification", challenge: "c" });
    const res = await postEvent(body, { headers: slackHeaders(body, { timestamp: now() + 301 }) });
    await expectError(res, 401, "not_yet_valid");
  });

  it("accepts a timestamp 4 minutes off either way", async () => {
    const body = JSON.stringify({ type: "url_verification", challenge: "c" });
    for (const timestamp of [now() - 240, now() + 240]) {
      const res = await postEvent(body, { headers: slackHeaders(body, { timestamp }) });
      expect(res.status).toBe(200);
    }
  });

  it.each([
    ["the signature", "x-slack-signature"],
    ["the timestamp", "x-slack-request-timestamp"],
  ])("refuses a request without %s (401 missing)", async (_what, header) => {
    const body = JSON.stringify({ type: "url_verification", challenge: "c" });
    const headers = slackHeaders(body);
    delete headers[header];
    await expectError(await postEvent(body, { headers }), 401, "missing");
  });

  it("refuses a signature of another scheme (401 malformed)", async () => {
    const body = JSON.stringify({ type: "url_verification", challenge: "c" });
    const headers = slackHeaders(body);
    headers["x-slack-signature"] = headers["x-slack-signature"]?.replace("v0=", "v1=") ?? "";
    await expectError(await postEvent(body, { headers }), 401, "malformed");
  });

  it("answers 503 slack_not_configured without SLACK_SIGNING_SECRET", async () => {
    const { post } = edgeWith({ SLACK_SIGNING_SECRET: undefined });
    const res = await post(JSON.stringify({ type: "url_verification", challenge: "c" }));
    const message = await expectError(res, 503, "slack_not_configured");
    expect(message).toContain("SLACK_SIGNING_SECRET");
  });
});

describe("POST /edge/slack/events: bodies", () => {
  it("refuses a body over 1 MiB by its Content-Length (413 payload_too_large)", async () => {
    const body = JSON.stringify({
      type: "url_verification",
      challenge: "x".repeat(SLACK_EVENTS_MAX_BODY_BYTES),
    });
    await expectError(await postEvent(body), 413, "payload_too_large");
  });

  it("cuts off a streamed body once it passes 1 MiB (413 payload_too_large)", async () => {
    const { post } = edgeWith({});
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += chunk.length;
        if (sent > 4 * SLACK_EVENTS_MAX_BODY_BYTES) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const res = await post(stream as unknown as string, {
      "content-type": "application/json",
      "x-slack-request-timestamp": String(now()),
      "x-slack-signature": `v0=${"0".repeat(64)}`,
    });
    await expectError(res, 413, "payload_too_large");
    expect(sent).toBeLessThan(2 * SLACK_EVENTS_MAX_BODY_BYTES);
  });

  it("refuses a signed body that is not JSON (400 invalid_json)", async () => {
    await expectError(await postEvent("{not json"), 400, "invalid_json");
  });

  it("refuses a signed event_callback without an event_id (400 validation_failed)", async () => {
    const envelope = messageEnvelope(uniqueTeam(), "x");
    delete (envelope as Record<string, unknown>).event_id;
    await expectError(await postEvent(envelope), 400, "validation_failed");
  });
});

describe("POST /edge/slack/events: routing", () => {
  it("acknowledges an unknown team's event (200) and logs the drop with ids only", async () => {
    const { post, lines } = edgeWith({});
    const team = uniqueTeam();
    const eventId = uniqueEventId();
    const res = await post(
      JSON.stringify(messageEnvelope(team, eventId, { text: "private words" })),
    );
    expect(res.status).toBe(200);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(eventId);
    expect(lines[0]).toContain(team);
    expect(lines.join("\n")).not.toContain("private words");
  });

  it("acknowledges other request types (app_rate_limited) with 200", async () => {
    const res = await postEvent({
      type: "app_rate_limited",
      team_id: "T1",
      minute_rate_limited: 1,
    });
    expect(res.status).toBe(200);
  });

  it("acknowledges a known team's non-message event (200) and queues nothing", async () => {
    const { user, team } = await connectedInstanceNotReady("edge-reaction");
    const envelope = messageEnvelope(team, uniqueEventId());
    envelope.event = {
      type: "reaction_added",
      user: "U1",
      item: { type: "message", channel: "C1" },
    };
    expect((await postEvent(envelope)).status).toBe(200);
    expect((await outboxStatus(user.instance.id)).depth).toBe(0);
  });

  it("stores a known team's message in the instance's outbox before answering 200", async () => {
    const { user, team } = await connectedInstanceNotReady("edge-store");
    const res = await postEvent(messageEnvelope(team, uniqueEventId()));
    expect(res.status).toBe(200);
    // The machine is still starting: the event waits in the outbox, already stored.
    expect((await outboxStatus(user.instance.id)).depth).toBe(1);
  });

  it("stores a retried event_id once (X-Slack-Retry-Num)", async () => {
    const { user, team } = await connectedInstanceNotReady("edge-retry");
    const envelope = messageEnvelope(team, uniqueEventId());
    expect((await postEvent(envelope)).status).toBe(200);
    for (const retry of ["1", "2"]) {
      const res = await postEvent(envelope, {
        extraHeaders: { "x-slack-retry-num": retry, "x-slack-retry-reason": "http_timeout" },
      });
      expect(res.status).toBe(200);
    }
    expect((await outboxStatus(user.instance.id)).depth).toBe(1);
  });
});
