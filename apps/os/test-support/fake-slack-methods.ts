/**
 * The fake Slack's Web API methods over an in-memory workspace store: messages per team and
 * channel (threads via `thread_ts`), reactions, users. Answers have Slack's shapes and Slack's
 * error codes (`channel_not_found`, `message_not_found`, `already_reacted`, …) as far as the
 * platform and the daemon's `WebClient` read them; unknown methods are `unknown_method`.
 */
import type { FakeSlackMessage } from "./fake-slack-context.ts";

/** A workspace the fake knows: made by an install, its bot token issued once. */
export interface FakeTeam {
  id: string;
  name: string;
  botToken: string;
  botUserId: string;
  botId: string;
  /** Messages by channel, oldest first. */
  channels: Map<string, FakeSlackMessage[]>;
}

/** A method's answer: Slack answers 200 even for `ok: false`. */
export type MethodAnswer = { status: number; body: Record<string, unknown> };

const ok = (body: Record<string, unknown> = {}): MethodAnswer => ({
  status: 200,
  body: { ok: true, ...body },
});
const fail = (error: string): MethodAnswer => ({ status: 200, body: { ok: false, error } });

let seq = 0;
/** Slack-style `ts` ("1700000000.000123"), unique and increasing within the process. */
export function nextTs(): string {
  seq += 1;
  return `${Math.floor(Date.now() / 1000)}.${String(seq % 1_000_000).padStart(6, "0")}`;
}

const str = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

function channelOf(team: FakeTeam, channel: string): FakeSlackMessage[] {
  let list = team.channels.get(channel);
  if (!list) {
    list = [];
    team.channels.set(channel, list);
  }
  return list;
}

/** Stores a message as if `user` had written it (`POST /__fake/messages`, `chat.postMessage`). */
export function addMessage(
  team: FakeTeam,
  input: { channel: string; user: string; text: string; thread_ts?: string; bot_id?: string },
): FakeSlackMessage {
  const message: FakeSlackMessage = {
    type: "message",
    ts: nextTs(),
    channel: input.channel,
    text: input.text,
    user: input.user,
    ...(input.bot_id ? { bot_id: input.bot_id } : {}),
    ...(input.thread_ts ? { thread_ts: input.thread_ts } : {}),
  };
  channelOf(team, input.channel).push(message);
  return message;
}

function find(team: FakeTeam, channel: string | undefined, ts: string | undefined) {
  if (!channel || !ts) return undefined;
  return team.channels.get(channel)?.find((m) => m.ts === ts);
}

type Method = (team: FakeTeam, params: Record<string, unknown>) => MethodAnswer;

const METHODS: Record<string, Method> = {
  "auth.test": (team) =>
    ok({
      url: `https://${team.id.toLowerCase()}.slack.fake/`,
      team: team.name,
      user: "iterate",
      team_id: team.id,
      user_id: team.botUserId,
      bot_id: team.botId,
      is_enterprise_install: false,
    }),
  "chat.postMessage": (team, p) => {
    const channel = str(p.channel);
    if (!channel) return fail("channel_not_found");
    if (!str(p.text) && p.blocks === undefined) return fail("no_text");
    // A thread_ts the fake never saw (an event's message seeded nowhere) is accepted: lenient.
    const threadTs = str(p.thread_ts);
    const message = addMessage(team, {
      channel,
      user: team.botUserId,
      bot_id: team.botId,
      text: str(p.text) ?? "",
      thread_ts: threadTs,
    });
    if (p.blocks !== undefined) message.blocks = p.blocks;
    return ok({ channel, ts: message.ts, message });
  },
  "chat.update": (team, p) => {
    const message = find(team, str(p.channel), str(p.ts));
    if (!message) return fail("message_not_found");
    if (str(p.text) !== undefined) message.text = str(p.text) as string;
    message.edited = { user: team.botUserId, ts: nextTs() };
    return ok({ channel: message.channel, ts: message.ts, text: message.text, message });
  },
  "chat.delete": (team, p) => {
    const message = find(team, str(p.channel), str(p.ts));
    if (!message) return fail("message_not_found");
    const list = channelOf(team, message.channel);
    list.splice(list.indexOf(message), 1);
    return ok({ channel: message.channel, ts: message.ts });
  },
  "reactions.add": (team, p) => {
    const message = find(team, str(p.channel), str(p.timestamp));
    const name = str(p.name);
    if (!message) return fail("message_not_found");
    if (!name) return fail("invalid_name");
    message.reactions ??= [];
    let reaction = message.reactions.find((r) => r.name === name);
    if (reaction?.users.includes(team.botUserId)) return fail("already_reacted");
    if (!reaction) {
      reaction = { name, users: [], count: 0 };
      message.reactions.push(reaction);
    }
    reaction.users.push(team.botUserId);
    reaction.count = reaction.users.length;
    return ok();
  },
  "reactions.remove": (team, p) => {
    const message = find(team, str(p.channel), str(p.timestamp));
    if (!message) return fail("message_not_found");
    const reaction = message.reactions?.find((r) => r.name === str(p.name));
    if (!reaction?.users.includes(team.botUserId)) return fail("no_reaction");
    reaction.users = reaction.users.filter((u) => u !== team.botUserId);
    reaction.count = reaction.users.length;
    if (reaction.count === 0) message.reactions = message.reactions?.filter((r) => r !== reaction);
    return ok();
  },
  "conversations.replies": (team, p) => {
    const channel = str(p.channel);
    const ts = str(p.ts);
    if (!channel || !ts) return fail("thread_not_found");
    const root = find(team, channel, ts)?.thread_ts ?? ts;
    const thread = channelOf(team, channel).filter((m) => m.ts === root || m.thread_ts === root);
    if (thread.length === 0) return fail("thread_not_found");
    return ok({ messages: thread, has_more: false, response_metadata: { next_cursor: "" } });
  },
  "conversations.history": (team, p) => {
    const channel = str(p.channel);
    if (!channel) return fail("channel_not_found");
    const limit = Number(p.limit ?? 100) || 100;
    const top = channelOf(team, channel)
      .filter((m) => !m.thread_ts || m.thread_ts === m.ts)
      .reverse()
      .slice(0, limit);
    return ok({ messages: top, has_more: false, response_metadata: { next_cursor: "" } });
  },
  "users.info": (team, p) => {
    const id = str(p.user);
    if (!id) return fail("user_not_found");
    const isBot = id === team.botUserId;
    const name = isBot ? "iterate" : `user-${id.toLowerCase()}`;
    return ok({
      user: {
        id,
        team_id: team.id,
        name,
        real_name: isBot ? "iterate" : `User ${id}`,
        is_bot: isBot,
        profile: { display_name: name, real_name: isBot ? "iterate" : `User ${id}` },
      },
    });
  },
};

/** Runs a Web API method for a team; unknown methods answer Slack's `unknown_method`. */
export function runMethod(
  method: string,
  team: FakeTeam,
  params: Record<string, unknown>,
): MethodAnswer {
  const run = METHODS[method];
  return run ? run(team, params) : fail("unknown_method");
}
