import type { MessageOrigin, SlackEventItem } from "@iterate/contract";
import type { UserMessage } from "@mariozechner/pi-ai";
import type { BotIdentity } from "./slack-connector.ts";

/** Whether the agent takes a Slack message, and why (the reason is logged, never posted). */
export type SlackDecision =
  | { take: true; why: "direct_message" | "mention" | "thread_with_agent" }
  | { take: false; why: string }
  /** A reply in a thread the agent has no record of: ask Slack whether the bot was there. */
  | { take: "if_bot_in_thread"; why: "unknown_thread" };

/**
 * Which messages the agent answers:
 * - direct messages, always;
 * - messages that mention the bot (`app_mention`, or `<@bot>` in a `message`);
 * - any reply in a thread the agent already works in (it answered there before);
 * - a reply in a thread it has no record of (a rebuilt machine, or a thread it was never in):
 *   only if Slack's history shows the bot in that thread.
 * Everything else (channel chatter, threads of others) is left alone.
 *
 * @example decideSlackMessage(item, { bot, agentActive: false }); // { take: true, why: "mention" }
 */
export function decideSlackMessage(
  item: SlackEventItem,
  context: { bot: BotIdentity | null; agentActive: boolean },
): SlackDecision {
  const event = item.event as { channel_type?: unknown };
  if (event.channel_type === "im" || item.channel.startsWith("D")) {
    return { take: true, why: "direct_message" };
  }
  if (item.eventType === "app_mention") return { take: true, why: "mention" };
  if (context.bot && (item.text ?? "").includes(`<@${context.bot.userId}>`)) {
    return { take: true, why: "mention" };
  }
  const inThread = item.threadTs !== item.ts;
  if (!inThread) return { take: false, why: "not addressed to the bot" };
  if (context.agentActive) return { take: true, why: "thread_with_agent" };
  return { take: "if_bot_in_thread", why: "unknown_thread" };
}

/**
 * The user message the model gets for a Slack message: its text, untouched (untrusted input
 * belongs in a user message, never in the system prompt), after its author's mention so a
 * thread with several people reads as one.
 *
 * @example slackUserMessage(item).content; // [{ type: "text", text: "<@U1>: fix the build" }]
 */
export function slackUserMessage(item: SlackEventItem): {
  message: UserMessage;
  origin: MessageOrigin;
} {
  const author = item.user ? `<@${item.user}>` : "someone";
  const text = `${author}: ${item.text ?? ""}`;
  return {
    message: {
      role: "user",
      content: [{ type: "text", text }],
      timestamp: Math.round(Number(item.ts) * 1000) || Date.now(),
    },
    origin: { kind: "slack", channel: item.channel, ts: item.ts, user: item.user },
  };
}
