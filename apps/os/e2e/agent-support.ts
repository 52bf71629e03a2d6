/**
 * Agents end to end (Node): the whole product — real worker, local-sandbox, daemons — with the
 * fake Slack and the fake OpenAI started by the test file, and helpers to talk to the bot as a
 * person in Slack would (a message stored in the fake, then its `app_mention` / `message`
 * event signed and sent to the platform) and to read the thread back from the fake.
 */
import { randomBytes } from "node:crypto";
import { type RunningPlatform, startPlatform } from "../browser/start-platform.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../test-support/fake-openai.ts";
import { type FakeSlack, startFakeSlack } from "../test-support/fake-slack.ts";
import type { FakeSlackMessage } from "../test-support/fake-slack-context.ts";
import { addMessage } from "../test-support/fake-slack-methods.ts";
import { connectSlack, postSlackEvent, uniqueEventId, uniqueTeam } from "./slack-support.ts";
import { eventually, signUp } from "./support.ts";

/** The channel every helper message is in. */
export const CHANNEL = "C0AGENTS";
/** The person talking to the bot. */
export const PERSON = "U0PERSON";

/** The product with both fakes, as one value. */
export interface AgentWorld {
  platform: RunningPlatform;
  slack: FakeSlack;
  openai: FakeOpenAI;
  /** The worker's "real" provider key (only the worker and the fake know it). */
  apiKey: string;
  signingSecret: string;
  stop(): Promise<void>;
}

/**
 * Starts the fakes and the platform wired to them (`LLM_UPSTREAM_URL`, `OPENAI_API_KEY`,
 * `SLACK_*` as worker vars).
 */
export async function startAgentWorld(
  options: { daemonEnv?: Record<string, string> } = {},
): Promise<AgentWorld> {
  const apiKey = `sk-e2e-real-key-${randomBytes(12).toString("hex")}`;
  const signingSecret = `slack-signing-${randomBytes(12).toString("hex")}`;
  const [slack, openai] = await Promise.all([
    startFakeSlack({ clientId: "1111.2222", clientSecret: "fake-client-secret" }),
    startFakeOpenAI({ apiKey }),
  ]);
  const platform = await startPlatform({
    vars: {
      LLM_UPSTREAM_URL: openai.baseUrl,
      OPENAI_API_KEY: apiKey,
      SLACK_API_URL: slack.apiUrl,
      SLACK_AUTHORIZE_URL: slack.authorizeUrl,
      SLACK_CLIENT_ID: slack.clientId,
      SLACK_CLIENT_SECRET: slack.clientSecret,
      SLACK_SIGNING_SECRET: signingSecret,
    },
    daemonEnv: options.daemonEnv,
  });
  return {
    platform,
    slack,
    openai,
    apiKey,
    signingSecret,
    async stop() {
      await platform.stop();
      await Promise.all([slack.close(), openai.close()]);
    },
  };
}

/** A signed-up user with a ready machine and a connected Slack team. */
export async function connectedUser(world: AgentWorld, label: string) {
  const user = await signUp(world.platform, label);
  const machine = await user.ready();
  const team = uniqueTeam();
  await connectSlack(world.platform, user, team);
  const bot = world.slack.teams.get(team);
  if (!bot) throw new Error(`the fake Slack has no team ${team}`);
  return { user, machine, team, botUserId: bot.botUserId };
}

/**
 * A person writes `text` in the channel (in `threadTs`'s thread when given): the message is
 * stored in the fake Slack (so reactions and `conversations.replies` find it) and its event is
 * signed and sent to the platform (`app_mention` when it mentions the bot, else `message`).
 */
export async function say(
  world: AgentWorld,
  team: string,
  text: string,
  options: { threadTs?: string; eventType?: "app_mention" | "message" } = {},
): Promise<{ message: FakeSlackMessage; sentAt: number; ackedAt: number }> {
  const fakeTeam = world.slack.teams.get(team);
  if (!fakeTeam) throw new Error(`the fake Slack has no team ${team}`);
  const message = addMessage(fakeTeam, {
    channel: CHANNEL,
    user: PERSON,
    text,
    thread_ts: options.threadTs,
  });
  const eventType =
    options.eventType ?? (text.includes(`<@${fakeTeam.botUserId}>`) ? "app_mention" : "message");
  const envelope = {
    token: "legacy-verification-token",
    team_id: team,
    api_app_id: "A0E2E",
    type: "event_callback",
    event_id: uniqueEventId(),
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: eventType,
      channel: CHANNEL,
      user: PERSON,
      text,
      ts: message.ts,
      ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
    },
  };
  const sentAt = Date.now();
  const res = await postSlackEvent(world.platform, world.signingSecret, envelope);
  if (res.status !== 200) throw new Error(`the events edge answered ${res.status}`);
  return { message, sentAt, ackedAt: Date.now() };
}

/** The thread `threadTs` in the fake Slack, oldest first (root included). */
export function thread(world: AgentWorld, team: string, threadTs: string): FakeSlackMessage[] {
  const messages = world.slack.teams.get(team)?.channels.get(CHANNEL) ?? [];
  return messages.filter((m) => m.ts === threadTs || m.thread_ts === threadTs);
}

/** The bot's messages in the thread. */
export function botMessages(world: AgentWorld, team: string, threadTs: string) {
  return thread(world, team, threadTs).filter((m) => m.bot_id);
}

/** The reaction names on a message. */
export function reactionsOn(world: AgentWorld, team: string, ts: string): string[] {
  const message = world.slack.teams
    .get(team)
    ?.channels.get(CHANNEL)
    ?.find((m) => m.ts === ts);
  return (message?.reactions ?? []).map((r) => r.name);
}

/** Waits until `ts` carries the reaction `name`. */
export function reaction(world: AgentWorld, team: string, ts: string, name: string, ms = 30_000) {
  return eventually(
    `:${name}: on ${ts}`,
    async () => (reactionsOn(world, team, ts).includes(name) ? true : undefined),
    ms,
  );
}

/** The fake Slack's `reactions.add` call that put `name` on `ts` (its `at` is when). */
export function reactionCall(world: AgentWorld, ts: string, name: string) {
  return world.slack.calls.find(
    (c) => c.method === "reactions.add" && c.params.timestamp === ts && c.params.name === name,
  );
}

/** The session path of a thread, and its dashboard URL path (as the daemon links it). */
export function threadSession(team: string, threadTs: string, instanceId: string) {
  const path = `slack/${team}/${CHANNEL}/${threadTs}`;
  return { path, page: `/instances/${instanceId}/agents/${encodeURIComponent(path)}` };
}

/** A session cookie for `email` (log-in through the API). */
export async function cookieFor(world: AgentWorld, email: string): Promise<string> {
  const res = await fetch(new URL("/api/auth/login", world.platform.worker.url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "correct horse battery staple" }),
  });
  if (res.status !== 200) throw new Error(`login answered ${res.status}`);
  return (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
}
