/**
 * Slack events end to end (Node): connect a team through the real OAuth flow against the fake
 * Slack, send events signed as Slack signs them, and read what a machine's daemon recorded —
 * signed with that daemon's own secret, read from its HOME (as `processEnv` reads /proc).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { signRequest, slackThreadStream, utf8 } from "@iterate/contract";
import type { RunningPlatform } from "../browser/start-platform.ts";
import { slackSignature } from "../src/slack/slack-signature.ts";
import { sandboxOf } from "./support.ts";

/** A user as `signUp` returns it (only what these helpers use). */
type User = { instanceId: string; api: (method: string, p: string) => Promise<Response> };

let counter = 0;
const unique = (prefix: string) =>
  `${prefix}${Date.now().toString(36).toUpperCase()}${++counter}${crypto.randomUUID().slice(0, 4).toUpperCase()}`;

/** A team id and event ids no other test uses. */
export const uniqueTeam = () => unique("T");
export const uniqueEventId = () => unique("Ev");

/** The thread every helper message goes to. */
export const THREAD_TS = "1712345678.000100";

const cookies = new Map<string, string>();

/**
 * The session cookie of a user (the `api` helper carries it; here we need it raw). One log-in per
 * user and run: log-ins are rate-limited per IP and email.
 */
async function cookieOf(platform: RunningPlatform, email: string, password: string) {
  const known = cookies.get(email);
  if (known) return known;
  const res = await fetch(new URL("/api/auth/login", platform.worker.url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login answered ${res.status}`);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  cookies.set(email, cookie);
  return cookie;
}

/**
 * "Add to Slack" for `team`: `/slack/install` → the fake's authorize page (which redirects
 * straight back with a code) → `/slack/oauth/callback` → 303 to the Slack page.
 */
export async function connectSlack(
  platform: RunningPlatform,
  user: User & { email: string },
  team: string,
  password = "correct horse battery staple",
): Promise<void> {
  const cookie = await cookieOf(platform, user.email, password);
  const base = platform.worker.url;
  const install = await fetch(new URL(`/slack/install?instance=${user.instanceId}`, base), {
    headers: { cookie },
    redirect: "manual",
  });
  if (install.status !== 302) throw new Error(`install answered ${install.status}`);
  const authorize = new URL(install.headers.get("location") ?? "");
  authorize.searchParams.set("team", team);
  const back = await fetch(authorize, { redirect: "manual" });
  const callback = new URL(back.headers.get("location") ?? "");
  const done = await fetch(new URL(`${callback.pathname}${callback.search}`, base), {
    headers: { cookie },
    redirect: "manual",
  });
  if (done.status !== 303) throw new Error(`the OAuth callback answered ${done.status}`);
}

/** A message `event_callback` in {@link THREAD_TS} of channel C0E2E. */
export function messageEnvelope(team: string, eventId: string, text = `text of ${eventId}`) {
  return {
    token: "legacy-verification-token",
    team_id: team,
    api_app_id: "A0E2E",
    type: "event_callback",
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: "message",
      channel: "C0E2E",
      user: "U0PERSON",
      text,
      ts: `${Math.floor(Date.now() / 1000)}.${String(++counter).padStart(6, "0")}`,
      thread_ts: THREAD_TS,
    },
  };
}

/** `POST /edge/slack/events` as Slack sends it (signed now, with `secret`, unless overridden). */
export function postSlackEvent(
  platform: RunningPlatform,
  secret: string,
  payload: unknown,
  options: { timestamp?: number; headers?: Record<string, string> } = {},
): Promise<Response> {
  const body = JSON.stringify(payload);
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  return fetch(new URL("/edge/slack/events", platform.worker.url), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": slackSignature(secret, timestamp, utf8(body)),
      ...options.headers,
    },
    body,
  });
}

/** The stream name of {@link messageEnvelope}'s thread for `team`. */
export function threadOf(team: string): string {
  return slackThreadStream({
    team_id: team,
    event: { type: "message", channel: "C0E2E", ts: THREAD_TS },
  });
}

/**
 * The event ids a machine's daemon recorded in `stream` (a signed GET to the daemon itself,
 * with the secret from its `~/.iterate/credentials.json`); [] while the stream does not exist.
 */
export async function recordedIds(
  platform: RunningPlatform,
  machineId: string,
  stream: string,
): Promise<string[]> {
  const sandbox = (await sandboxOf(platform, machineId)) as
    | { id: string; url?: string | null }
    | undefined;
  if (!sandbox?.url) throw new Error(`machine ${machineId} has no running sandbox`);
  const file = path.join(
    platform.sandbox.root,
    "machines",
    sandbox.id,
    "home",
    ".iterate",
    "credentials.json",
  );
  const { daemonSecret } = JSON.parse(await readFile(file, "utf8")) as { daemonSecret: string };
  const url = `/agents/${stream}?offset=-1`;
  const token = await signRequest({ secret: daemonSecret, machineId, method: "GET", url });
  const res = await fetch(new URL(url, sandbox.url), {
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`the daemon answered ${res.status}: ${await res.text()}`);
  // Only the edge's items: the agent (when wired in) writes its own into the same stream.
  return ((await res.json()) as { type: string; eventId: string }[])
    .filter((item) => item.type === "slack_event")
    .map((item) => item.eventId);
}

/** The Slack page's outbox card: "N waiting" and the last error, as a person reads them. */
export async function outboxOnPage(
  platform: RunningPlatform,
  user: User & { email: string },
  password = "correct horse battery staple",
): Promise<{ depth: string | null; lastError: string | null }> {
  const cookie = await cookieOf(platform, user.email, password);
  const res = await fetch(new URL(`/instances/${user.instanceId}/slack`, platform.worker.url), {
    headers: { cookie },
  });
  const html = await res.text();
  return {
    depth: /data-testid="outbox-depth"[^>]*>([^<]*)</.exec(html)?.[1] ?? null,
    lastError: /data-testid="outbox-last-error"[^>]*>([^<]*)</.exec(html)?.[1] ?? null,
  };
}
