import { describe, expect, it } from "vitest";
import {
  slackEventCallbackSchema,
  slackEventEnvelopeSchema,
  slackIgnoreReason,
  slackThreadStream,
} from "../src/index.ts";

const message = {
  type: "event_callback",
  team_id: "T0001",
  event_id: "Ev0001",
  event_time: 1_712_345_678,
  authorizations: [{ user_id: "U0BOT" }],
  event: {
    type: "message",
    channel: "C0001",
    ts: "1712345678.000100",
    user: "U1",
    text: "hi",
    blocks: [],
  },
};

describe("Slack envelope schemas", () => {
  it("keep the fields they do not read (the daemon gets what Slack sent)", () => {
    const parsed = slackEventEnvelopeSchema.parse(message);
    expect(parsed.authorizations).toEqual([{ user_id: "U0BOT" }]);
    expect(parsed.event.blocks).toEqual([]);
  });

  it("accept any event_callback at the edge, but deliver only messages placed in a channel", () => {
    const reaction = { ...message, event: { type: "reaction_added", item: { channel: "C1" } } };
    expect(slackEventCallbackSchema.safeParse(reaction).success).toBe(true);
    expect(slackEventEnvelopeSchema.safeParse(reaction).success).toBe(false);
  });

  it.each([
    ["team_id", { ...message, team_id: "T1/../x" }],
    ["event.channel", { ...message, event: { ...message.event, channel: "../C1" } }],
    ["event.ts", { ...message, event: { ...message.event, ts: "1.2/3" } }],
    ["event.thread_ts", { ...message, event: { ...message.event, thread_ts: ".." } }],
  ])("refuse a %s that could change the stream path", (_field, envelope) => {
    expect(slackEventEnvelopeSchema.safeParse(envelope).success).toBe(false);
  });

  it("name the thread's stream by thread_ts, else ts", () => {
    const parsed = slackEventEnvelopeSchema.parse(message);
    expect(slackThreadStream(parsed)).toBe("slack/T0001/C0001/1712345678.000100");
    const reply = slackEventEnvelopeSchema.parse({
      ...message,
      event: { ...message.event, ts: "1712345679.000200", thread_ts: "1712345678.000100" },
    });
    expect(slackThreadStream(reply)).toBe("slack/T0001/C0001/1712345678.000100");
  });

  it("say why bots' messages, edits and deletions are ignored, and nothing for people", () => {
    const event = slackEventEnvelopeSchema.parse(message).event;
    expect(slackIgnoreReason(event)).toBeNull();
    expect(slackIgnoreReason({ ...event, subtype: "thread_broadcast" })).toBeNull();
    expect(slackIgnoreReason({ ...event, bot_id: "B1" })).toBe("bot_message");
    expect(slackIgnoreReason({ ...event, subtype: "message_changed" })).toBe("message_changed");
    expect(slackIgnoreReason({ ...event, subtype: "message_deleted" })).toBe("message_deleted");
  });
});
