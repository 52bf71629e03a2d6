/**
 * Slack events test helpers (workerd): envelopes, requests signed as Slack signs them, an
 * instance connected to a fresh team (through the real OAuth flow and the fake Slack) with a
 * ready machine, and what its daemon recorded (read through `fetchForInstance`).
 */
import { env, SELF } from "cloudflare:test";
import { slackThreadStream, utf8 } from "@iterate/contract";
import { fetchForInstance } from "../../src/machines/fetch-for-instance.ts";
import { instanceObject } from "../../src/machines/instance-do.ts";
import { slackSignature } from "../../src/slack/slack-signature.ts";
import { ORIGIN } from "../helpers.ts";
import { currentMachine, deliverPing, machineInStatus } from "../machines/support.ts";
import { signUpWithSlack } from "../slack/support.ts";

/** The root ts of the thread the helpers' messages go to. */
export const THREAD_TS = "1712345678.000100";

let events = 0;
/** An event id no other test uses. */
export function uniqueEventId(): string {
  events += 1;
  return `Ev${Date.now().toString(36).toUpperCase()}${events}${crypto.randomUUID().slice(0, 4).toUpperCase()}`;
}

/** A message `event_callback` as Slack sends it (a reply in {@link THREAD_TS} unless overridden). */
export function messageEnvelope(
  team: string,
  eventId: string,
  event: Record<string, unknown> = {},
): Record<string, unknown> & { event_id: string; team_id: string } {
  return {
    token: "legacy-verification-token",
    team_id: team,
    api_app_id: "A0TEST",
    type: "event_callback",
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: "message",
      channel: "C0TEST",
      user: "U0PERSON",
      text: `hello from ${eventId}`,
      ts: `${Math.floor(Date.now() / 1000)}.${String(events).padStart(6, "0")}`,
      thread_ts: THREAD_TS,
      ...event,
    },
  };
}

/** Headers Slack would send with `body`, signed with `secret` at `timestamp` (seconds). */
export function slackHeaders(
  body: string,
  options: { secret?: string; timestamp?: number } = {},
): Record<string, string> {
  const secret = options.secret ?? (env.SLACK_SIGNING_SECRET as string);
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  return {
    "content-type": "application/json",
    "x-slack-request-timestamp": timestamp,
    "x-slack-signature": slackSignature(secret, timestamp, utf8(body)),
  };
}

/** `POST /edge/slack/events` through the real worker, signed unless `headers` are given. */
export function postEvent(
  payload: unknown,
  options: { headers?: Record<string, string>; extraHeaders?: Record<string, string> } = {},
): Promise<Response> {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  return SELF.fetch(`${ORIGIN}/edge/slack/events`, {
    method: "POST",
    headers: { ...(options.headers ?? slackHeaders(body)), ...options.extraHeaders },
    body,
  });
}

/** Signs up, connects a fresh Slack team and waits for the machine to be ready. */
export async function connectedInstance(label: string) {
  const { user, team } = await signUpWithSlack(label);
  const machine = await currentMachine(user.instance.id);
  await deliverPing(machine.id);
  await machineInStatus(machine.id, "ready");
  return { user, team, machine };
}

/** Signs up and connects a fresh team, leaving the machine `starting` (its ping not delivered). */
export async function connectedInstanceNotReady(label: string) {
  const { user, team } = await signUpWithSlack(label);
  const machine = await machineInStatus((await currentMachine(user.instance.id)).id, "starting");
  return { user, team, machine };
}

/** The items of a thread stream on the instance's ready machine ([] while it does not exist). */
export async function threadItems(
  instanceId: string,
  stream: string,
): Promise<{ type: string; eventId: string; text: string | null }[]> {
  const res = await fetchForInstance(env, instanceId)(`/agents/${stream}?offset=-1`);
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`reading ${stream} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

/** The thread stream of {@link messageEnvelope}'s default thread for `team`. */
export function threadOf(team: string): string {
  return slackThreadStream({
    team_id: team,
    event: { type: "message", channel: "C0TEST", ts: THREAD_TS },
  });
}

/** The event ids recorded in the team's default thread on the instance's machine. */
export async function recordedIds(instanceId: string, team: string): Promise<string[]> {
  // Only the edge's items: the agent (when wired in) writes its own into the same stream.
  return (await threadItems(instanceId, threadOf(team)))
    .filter((item) => item.type === "slack_event")
    .map((item) => item.eventId);
}

/** The instance's outbox status (its Durable Object's RPC). */
export function outboxStatus(instanceId: string) {
  return instanceObject(env, instanceId).outboxStatus();
}
