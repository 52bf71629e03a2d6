import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import {
  findSlackInstallationForInstance,
  openBotToken,
} from "../../src/db/slack-installations.ts";
import { keyringFromEnv } from "../../src/keyring.ts";
import { ORIGIN, signUp } from "../helpers.ts";
import {
  browserFor,
  connectSlack,
  db,
  failNext,
  fakeSlack,
  slackCalls,
  uniqueTeam,
} from "./support.ts";

/** Whether the fake Slack still takes `token` (auth.test). */
async function tokenWorks(token: string): Promise<boolean> {
  const res = await fetch(`${fakeSlack().url}/api/auth.test`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  return ((await res.json()) as { ok: boolean }).ok;
}

describe("the Slack page", () => {
  it("offers Add to Slack when not connected, and is in the sidebar between Env vars and Settings", async () => {
    const user = await signUp("slack-page");
    const html = await browserFor(user).page(`/instances/${user.instance.id}/slack`);
    expect(html).toContain('data-slack-state="disconnected"');
    expect(html).toContain(`href="/slack/install?instance=${user.instance.id}"`);
    const nav = html.slice(html.indexOf('aria-label="Instance"'));
    const order = ["Env vars", "Slack", "Settings"].map((label) => nav.indexOf(`${label}</a>`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(nav).toMatch(/aria-current="page"[^>]*>.*?Slack<\/a>/s);
  });

  it("shows the team, bot and when once connected; Disconnect deletes the installation", async () => {
    const user = await signUp("slack-page-connected");
    const team = uniqueTeam();
    await connectSlack(user, team, "Disconnect Me Inc");
    const browser = browserFor(user);
    const base = `/instances/${user.instance.id}/slack`;
    const row = await findSlackInstallationForInstance(db(), user.instance.id);
    const html = await browser.page(base);
    expect(html).toContain('data-slack-state="connected"');
    expect(html).toContain("Disconnect Me Inc");
    expect(html).toContain(team);
    expect(html).toContain(row?.botUserId);
    expect(html).toContain(user.email);
    expect(html).toContain(`action="${base}/disconnect"`);
    expect(html).toContain("data-confirm=");
    expect(html).not.toContain("Add to Slack");

    // Without the CSRF token the form is refused and nothing changes.
    expect((await browser.submit(`${base}/disconnect`, {}, "wrong")).status).toBe(403);
    expect(await findSlackInstallationForInstance(db(), user.instance.id)).not.toBeNull();

    const token = await openBotToken(await keyringFromEnv(env), row as NonNullable<typeof row>);
    expect(await tokenWorks(token)).toBe(true);
    const res = await browser.submit(`${base}/disconnect`, {});
    expect(res.status).toBe(303);
    expect(await findSlackInstallationForInstance(db(), user.instance.id)).toBeNull();
    const after = await browser.page(base);
    expect(after).toContain(
      "Disconnected Slack. The bot token is revoked at Slack and deleted here.",
    );
    expect(after).toContain('data-slack-state="disconnected"');
    // Revoked at Slack, not only forgotten here: a copy of it no longer works.
    expect(await slackCalls({ method: "auth.revoke", token })).toHaveLength(1);
    expect(await tokenWorks(token)).toBe(false);
  });

  it("disconnects when Slack does not confirm the revoke, and says so", async () => {
    const user = await signUp("slack-page-revoke-fails");
    const team = uniqueTeam();
    await connectSlack(user, team);
    await failNext({ method: "auth.revoke", team, status: 500 });
    const browser = browserFor(user);
    const base = `/instances/${user.instance.id}/slack`;
    await browser.page(base);
    expect((await browser.submit(`${base}/disconnect`, {})).status).toBe(303);
    expect(await findSlackInstallationForInstance(db(), user.instance.id)).toBeNull();
    expect(await browser.page(base)).toContain(
      "but Slack did not confirm revoking it (fatal_error); remove the app in Slack&#39;s settings to be sure.",
    );
  });

  it("answers 404 for another person's Slack page and disconnect", async () => {
    const alice = await signUp("slack-page-alice");
    const bob = await signUp("slack-page-bob");
    await connectSlack(alice, uniqueTeam());
    const browser = browserFor(bob);
    await browser.page(`/instances/${bob.instance.id}/slack`);
    expect((await browser.fetch(`/instances/${alice.instance.id}/slack`)).status).toBe(404);
    const res = await browser.submit(`/instances/${alice.instance.id}/slack/disconnect`, {});
    expect(res.status).toBe(404);
    expect(await findSlackInstallationForInstance(db(), alice.instance.id)).not.toBeNull();
  });

  it("says Slack isn't configured (no button, not a 500) without SLACK_CLIENT_ID / SECRET", async () => {
    const user = await signUp("slack-unconfigured");
    const app = createApp();
    const unconfigured = { ...env, SLACK_CLIENT_ID: "", SLACK_CLIENT_SECRET: undefined };
    const headers = { cookie: user.cookie };
    const page = await app.request(
      `${ORIGIN}/instances/${user.instance.id}/slack`,
      { headers },
      unconfigured,
    );
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Slack isn&#39;t configured on this platform");
    expect(html).toContain('data-slack-state="unconfigured"');
    expect(html).not.toContain("Add to Slack</a>");

    const install = await app.request(
      `${ORIGIN}/slack/install?instance=${user.instance.id}`,
      { headers, redirect: "manual" },
      unconfigured,
    );
    expect(install.status).toBe(303);
    expect(install.headers.get("location")).toBe(`/instances/${user.instance.id}/slack`);
    expect(install.headers.get("set-cookie")).toContain("iterate_flash");
  });
});
