import type { AgentMessage } from "@mariozechner/pi-agent-core";
import type { WebClient } from "@slack/web-api";
import type { BotIdentity } from "./slack-connector.ts";
import { STATUS_EVENT_TYPE } from "./slack-run-observer.ts";

/** Most thread messages read back from Slack (pages of 200). */
const MAX_HISTORY_MESSAGES = 1000;

interface SlackReply {
  ts?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  metadata?: { event_type?: string };
}

/** A thread as Slack remembers it, in the agent's message form. */
export interface ThreadHistory {
  /** Earlier messages of the thread: people's as user messages, the bot's answers as its own. */
  messages: AgentMessage[];
  /** The bot wrote in this thread (so the agent was part of it). */
  botWasHere: boolean;
}

/**
 * Reads a thread back from Slack (`conversations.replies` through the proxy) — the memory of a
 * thread whose stream this machine does not have (after a rebuild). Messages from `before` on
 * (the one being answered, and later ones) are left out; the bot's status lines (marked by their
 * metadata) too, since they narrate work rather than say anything.
 *
 * @example const { messages, botWasHere } = await readThreadHistory(slack, { channel, threadTs, before: ts, bot });
 */
export async function readThreadHistory(
  slack: WebClient,
  input: { channel: string; threadTs: string; before: string; bot: BotIdentity | null },
): Promise<ThreadHistory> {
  const replies: SlackReply[] = [];
  let cursor: string | undefined;
  do {
    const page = await slack.conversations.replies({
      channel: input.channel,
      ts: input.threadTs,
      limit: 200,
      include_all_metadata: true,
      ...(cursor ? { cursor } : {}),
    });
    replies.push(...((page.messages ?? []) as SlackReply[]));
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor && replies.length < MAX_HISTORY_MESSAGES);

  const before = Number(input.before);
  const isBot = (m: SlackReply) =>
    input.bot !== null &&
    (m.user === input.bot.userId || (input.bot.botId !== null && m.bot_id === input.bot.botId));
  let botWasHere = false;
  const messages: AgentMessage[] = [];
  const earlier = replies
    .filter((m) => typeof m.ts === "string" && Number(m.ts) < before)
    .sort((a, b) => Number(a.ts) - Number(b.ts));
  for (const m of earlier) {
    const timestamp = Math.round(Number(m.ts) * 1000);
    const text = m.text ?? "";
    if (isBot(m)) {
      botWasHere = true;
      if (m.metadata?.event_type === STATUS_EVENT_TYPE || text.trim() === "") continue;
      messages.push(restoredAnswer(text, timestamp));
      continue;
    }
    const author = m.user ? `<@${m.user}>` : m.bot_id ? `bot ${m.bot_id}` : "someone";
    messages.push({
      role: "user",
      content: [{ type: "text", text: `${author}: ${text}` }],
      timestamp,
    });
  }
  return { messages, botWasHere };
}

/** The bot's own earlier message as an assistant turn (no usage: it was not made here). */
function restoredAnswer(text: string, timestamp: number): AgentMessage {
  return {
    role: "assistant",
    content: [{ type: "text", text }],
    api: "openai-completions",
    provider: "slack-history",
    model: "slack-history",
    usage: {
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite: 0,
      totalTokens: 0,
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
    },
    stopReason: "stop",
    timestamp,
  };
}
