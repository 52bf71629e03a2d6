/**
 * Slack test helpers (workerd): "Add to Slack" through the real worker and the fake Slack's
 * authorize redirect, the fake's recorded calls, and a machine's real token (its daemon's ping).
 */
import { env, SELF } from "cloudflare:test";
import { expect, inject } from "vitest";
import { createDb } from "../../src/db/client.ts";
import { findSlackInstallationByTeam } from "../../src/db/slack-installations.ts";
import type { RecordedSlackCall } from "../../test-support/fake-slack-context.ts";
import { Browser, ORIGIN, type SignedUp, signUp } from "../helpers.ts";
import { currentMachine, daemonPing } from "../machines/support.ts";

export const fakeSlack = () => inject("fakeSlack");
export const db = () => createDb(env.DB);

let teams = 0;
/** A team id no other test uses (the fake Slack is shared by the whole run). */
export function uniqueTeam(): string {
  teams += 1;
  return `T${Date.now().toString(36).toUpperCase()}${teams}${crypto.randomUUID().slice(0, 4).toUpperCase()}`;
}

/** A browser-ish client signed in with the user's session cookie. */
export function browserFor(user: SignedUp): Browser {
  const browser = new Browser();
  const [name, value] = user.cookie.split("=") as [string, string];
  browser.cookies.set(name, value);
  return browser;
}

/** `GET /slack/install` → the authorize URL it redirects to (asserting the 302). */
export async function startInstall(browser: Browser, instanceId?: string): Promise<URL> {
  const query = instanceId === undefined ? "" : `?instance=${encodeURIComponent(instanceId)}`;
  const res = await browser.fetch(`/slack/install${query}`);
  expect(res.status, await res.clone().text()).toBe(302);
  return new URL(res.headers.get("location") ?? "");
}

/**
 * What Slack's authorize page does: the fake 302s back to the redirect URL with a code. Returns
 * the callback as a path on the platform (the test worker is addressed as ORIGIN).
 */
export async function authorizeAtFake(
  authorizeUrl: URL,
  options: { team?: string; teamName?: string; deny?: boolean } = {},
): Promise<{ path: string; code: string | null; state: string | null }> {
  const url = new URL(authorizeUrl);
  if (options.team) url.searchParams.set("team", options.team);
  if (options.teamName) url.searchParams.set("team_name", options.teamName);
  if (options.deny) url.searchParams.set("deny", "1");
  const res = await fetch(url, { redirect: "manual" });
  expect(res.status).toBe(302);
  const back = new URL(res.headers.get("location") ?? "");
  return {
    path: `${back.pathname}${back.search}`,
    code: back.searchParams.get("code"),
    state: back.searchParams.get("state"),
  };
}

/**
 * The whole install for `team`; returns the callback's response (303 to the Slack page) and the
 * browser, which holds the flash for the next page.
 */
export async function connectSlack(
  user: SignedUp,
  team: string,
  teamName = `Team ${team}`,
): Promise<{ res: Response; browser: Browser }> {
  const browser = browserFor(user);
  const callback = await authorizeAtFake(await startInstall(browser, user.instance.id), {
    team,
    teamName,
  });
  return { res: await browser.fetch(callback.path), browser };
}

/** Signs up and connects a fresh team; asserts the installation is stored. */
export async function signUpWithSlack(label: string): Promise<{ user: SignedUp; team: string }> {
  const user = await signUp(label);
  const team = uniqueTeam();
  const { res } = await connectSlack(user, team);
  expect(res.status).toBe(303);
  expect((await findSlackInstallationByTeam(db(), team))?.instanceId).toBe(user.instance.id);
  return { user, team };
}

/** The fake Slack's recorded calls, filtered. */
export async function slackCalls(
  filter: { method?: string; team?: string; token?: string } = {},
): Promise<RecordedSlackCall[]> {
  const query = new URLSearchParams(filter as Record<string, string>);
  const res = await fetch(`${fakeSlack().url}/__fake/calls?${query}`);
  return ((await res.json()) as { calls: RecordedSlackCall[] }).calls;
}

/** Makes the fake's next call(s) of a method fail (see FakeSlackFailure). */
export async function failNext(failure: {
  method: string;
  team?: string;
  status?: number;
  error?: string;
  retryAfter?: number;
  location?: string;
}): Promise<void> {
  const res = await fetch(`${fakeSlack().url}/__fake/fail`, {
    method: "POST",
    body: JSON.stringify(failure),
  });
  expect(res.status).toBe(200);
}

/** The instance's current machine and its real machine token (from the daemon's ping). */
export async function machineToken(
  instanceId: string,
): Promise<{ machineId: string; token: string }> {
  const machine = await currentMachine(instanceId);
  const ping = await daemonPing(machine.id);
  return { machineId: machine.id, token: ping.authorization.replace(/^Bearer /, "") };
}

/** `POST /api/slack/<method>` through the real worker. */
export function slackProxy(
  method: string,
  init: { token?: string; body?: BodyInit; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  return SELF.fetch(`${ORIGIN}/api/slack/${method}`, {
    method: "POST",
    headers,
    body: init.body,
    redirect: "manual",
  });
}
