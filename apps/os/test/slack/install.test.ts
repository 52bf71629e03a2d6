import { env } from "cloudflare:test";
import { hashSecret, randomId } from "@iterate/contract";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  instances,
  memberships,
  slackInstallations,
  slackOauthStates,
} from "../../src/db/schema.ts";
import {
  botTokenAad,
  findSlackInstallationByTeam,
  openBotToken,
  saveSlackInstallation,
} from "../../src/db/slack-installations.ts";
import { keyringFromEnv } from "../../src/keyring.ts";
import { SLACK_BOT_SCOPES } from "../../src/slack/slack-config.ts";
import { Browser, signUp } from "../helpers.ts";
import {
  authorizeAtFake,
  browserFor,
  connectSlack,
  db,
  fakeSlack,
  slackCalls,
  startInstall,
  uniqueTeam,
} from "./support.ts";

const stateRow = async (state: string) =>
  (
    await db()
      .select()
      .from(slackOauthStates)
      .where(eq(slackOauthStates.stateHash, await hashSecret(state)))
  )[0];

/** The error page a refused callback shows (400). */
async function expectRefusedPage(res: Response, words: RegExp) {
  expect(res.status).toBe(400);
  expect(res.headers.get("content-type")).toContain("text/html");
  expect(await res.text()).toMatch(words);
}

describe("GET /slack/install", () => {
  it("redirects to Slack's authorize page with the client id, bot scopes, redirect URL and a state", async () => {
    const user = await signUp("slack-install");
    const url = await startInstall(browserFor(user), user.instance.id);
    expect(`${url.origin}${url.pathname}`).toBe(fakeSlack().authorizeUrl);
    expect(url.searchParams.get("client_id")).toBe(fakeSlack().clientId);
    expect(url.searchParams.get("scope")?.split(",")).toEqual([...SLACK_BOT_SCOPES]);
    expect(url.searchParams.get("redirect_uri")).toBe(`${env.PLATFORM_URL}/slack/oauth/callback`);
    const state = url.searchParams.get("state") ?? "";
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Stored hashed, bound to the session (its cookie's hash) and the instance, for 10 minutes.
    const row = await stateRow(state);
    expect(row).toBeDefined();
    expect(row?.stateHash).not.toBe(state);
    expect(row?.sessionHash).toBe(await hashSecret(user.cookie.split("=")[1] as string));
    expect(row?.instanceId).toBe(user.instance.id);
    expect(row?.userId).toBe(user.user.id);
    const ttl = (row?.expiresAt.getTime() ?? 0) - (row?.createdAt.getTime() ?? 0);
    expect(ttl).toBe(10 * 60 * 1000);
  });

  it("uses the person's only instance when none is named, and asks when they have several (400)", async () => {
    const user = await signUp("slack-install-one");
    const url = await startInstall(browserFor(user));
    const row = await stateRow(url.searchParams.get("state") ?? "");
    expect(row?.instanceId).toBe(user.instance.id);

    const second = { id: randomId("ins"), name: "Second", slug: `second-${Date.now()}` };
    await db().insert(instances).values(second);
    await db().insert(memberships).values({ userId: user.user.id, instanceId: second.id });
    const res = await browserFor(user).fetch("/slack/install");
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("several instances");
    const named = await startInstall(browserFor(user), second.id);
    expect((await stateRow(named.searchParams.get("state") ?? ""))?.instanceId).toBe(second.id);
  });

  it("answers 404 for another person's instance, and sends a visitor without a session to log in", async () => {
    const alice = await signUp("slack-alice");
    const bob = await signUp("slack-bob");
    const res = await browserFor(bob).fetch(`/slack/install?instance=${alice.instance.id}`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain(alice.instance.name);
    const anonymous = await new Browser().fetch(`/slack/install?instance=${alice.instance.id}`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toMatch(/^\/login\?next=/);
  });
});

describe("GET /slack/oauth/callback", () => {
  it("stores the team → instance mapping with the bot token encrypted under the team's AAD", async () => {
    const user = await signUp("slack-connect");
    const team = uniqueTeam();
    const browser = browserFor(user);
    const callback = await authorizeAtFake(await startInstall(browser, user.instance.id), {
      team,
      teamName: "Acme Rockets",
    });
    const res = await browser.fetch(callback.path);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/instances/${user.instance.id}/slack`);

    // The platform exchanged exactly that code, with its client credentials and redirect URL.
    const [exchange] = (await slackCalls({ method: "oauth.v2.access" })).filter(
      (c) => c.params.code === callback.code,
    );
    expect(exchange?.params).toMatchObject({
      client_id: fakeSlack().clientId,
      client_secret: fakeSlack().clientSecret,
      redirect_uri: `${env.PLATFORM_URL}/slack/oauth/callback`,
    });

    const row = await findSlackInstallationByTeam(db(), team);
    expect(row).toMatchObject({ instanceId: user.instance.id, teamName: "Acme Rockets" });
    expect(row?.botUserId).toMatch(/^U/);
    expect(row?.installedBy).toBe(user.user.id);
    const keyring = await keyringFromEnv(env);
    const token = await openBotToken(keyring, row as NonNullable<typeof row>);
    expect(token).toMatch(new RegExp(`^xoxb-${team}-`));
    // The D1 row holds an envelope, never the token, and it opens only with this team's AAD.
    const [raw] = await db()
      .select()
      .from(slackInstallations)
      .where(eq(slackInstallations.teamId, team));
    expect(JSON.stringify(raw)).not.toContain(token);
    expect(raw?.botTokenEncrypted).toMatch(/^v1\./);
    await expect(
      keyring.decrypt(raw?.botTokenEncrypted ?? "", botTokenAad(uniqueTeam())),
    ).rejects.toThrow();

    const page = await browser.page(`/instances/${user.instance.id}/slack`);
    expect(page).toContain("Connected the Slack workspace Acme Rockets.");
    expect(page).toContain(row?.botUserId);
    expect(page).not.toContain(token);
  });

  it("refuses a forged state with a 400 page: nothing stored, nothing sent to Slack", async () => {
    const user = await signUp("slack-forged");
    const team = uniqueTeam();
    const browser = browserFor(user);
    const callback = await authorizeAtFake(await startInstall(browser, user.instance.id), { team });
    const forged = callback.path.replace(/state=[^&]+/, "state=forged-state-value");
    await expectRefusedPage(await browser.fetch(forged), /not one we started/);
    const noState = callback.path.replace(/&?state=[^&]+/, "");
    await expectRefusedPage(await browser.fetch(noState), /missing its state/);
    expect(await findSlackInstallationByTeam(db(), team)).toBeNull();
    const exchanges = await slackCalls({ method: "oauth.v2.access" });
    expect(exchanges.filter((c) => c.params.code === callback.code)).toEqual([]);
  });

  it("refuses a state used once already (400), even with a fresh code", async () => {
    const user = await signUp("slack-reused");
    const team = uniqueTeam();
    const browser = browserFor(user);
    const authorize = await startInstall(browser, user.instance.id);
    const first = await authorizeAtFake(authorize, { team });
    expect((await browser.fetch(first.path)).status).toBe(303);
    await db().delete(slackInstallations).where(eq(slackInstallations.teamId, team));

    const second = await authorizeAtFake(authorize, { team });
    await expectRefusedPage(await browser.fetch(second.path), /used already/);
    expect(await findSlackInstallationByTeam(db(), team)).toBeNull();
  });

  it("refuses an expired state (400)", async () => {
    const user = await signUp("slack-expired");
    const team = uniqueTeam();
    const browser = browserFor(user);
    const authorize = await startInstall(browser, user.instance.id);
    const state = authorize.searchParams.get("state") ?? "";
    await db()
      .update(slackOauthStates)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(slackOauthStates.stateHash, await hashSecret(state)));
    const callback = await authorizeAtFake(authorize, { team });
    await expectRefusedPage(await browser.fetch(callback.path), /expired/);
    expect(await findSlackInstallationByTeam(db(), team)).toBeNull();
  });

  it("refuses a state started by another session (400) without using it up", async () => {
    const user = await signUp("slack-session");
    const team = uniqueTeam();
    const browser = browserFor(user);
    const callback = await authorizeAtFake(await startInstall(browser, user.instance.id), { team });

    // The same person logged in elsewhere, another person, and nobody: all refused.
    const elsewhere = new Browser();
    await elsewhere.page("/login");
    expect(
      (await elsewhere.submit("/login", { email: user.email, password: user.password })).status,
    ).toBe(303);
    const other = browserFor(await signUp("slack-session-other"));
    for (const b of [elsewhere, other, new Browser()]) {
      await expectRefusedPage(await b.fetch(callback.path), /another browser session/);
    }
    expect(await findSlackInstallationByTeam(db(), team)).toBeNull();

    // The session that started it still can finish.
    expect((await browser.fetch(callback.path)).status).toBe(303);
    expect((await findSlackInstallationByTeam(db(), team))?.instanceId).toBe(user.instance.id);
  });

  it("shows Slack's refusal of the code (ok:false invalid_code) as an error flash and stores nothing", async () => {
    const user = await signUp("slack-bad-code");
    const team = uniqueTeam();
    const browser = browserFor(user);
    const callback = await authorizeAtFake(await startInstall(browser, user.instance.id), { team });
    const badCode = callback.path.replace(/code=[^&]+/, "code=not-a-code-slack-issued");
    const res = await browser.fetch(badCode);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/instances/${user.instance.id}/slack`);
    const page = await browser.page(`/instances/${user.instance.id}/slack`);
    expect(page).toContain("invalid_code");
    expect(page).toContain('role="alert"');
    expect(await findSlackInstallationByTeam(db(), team)).toBeNull();
  });

  it("says so when the person cancelled at Slack (access_denied)", async () => {
    const user = await signUp("slack-denied");
    const browser = browserFor(user);
    const callback = await authorizeAtFake(await startInstall(browser, user.instance.id), {
      deny: true,
    });
    expect((await browser.fetch(callback.path)).status).toBe(303);
    expect(await browser.page(`/instances/${user.instance.id}/slack`)).toContain("access_denied");
  });

  it("refuses to connect a team that already belongs to another instance, with a clear error", async () => {
    const first = await signUp("slack-team-first");
    const second = await signUp("slack-team-second");
    const team = uniqueTeam();
    expect((await connectSlack(first, team)).res.status).toBe(303);
    const { res, browser } = await connectSlack(second, team);
    expect(res.status).toBe(303);
    const page = await browser.page(`/instances/${second.instance.id}/slack`);
    expect(page).toContain("already connected to another instance");
    expect(page).toContain("Add to Slack");
    expect((await findSlackInstallationByTeam(db(), team))?.instanceId).toBe(first.instance.id);
  });

  it("lets only one of two installs racing for a team (or for an instance) win: the other is a conflict", async () => {
    const keyring = await keyringFromEnv(env);
    const install = (instanceId: string, teamId: string, botToken: string) =>
      saveSlackInstallation(db(), keyring, {
        teamId,
        teamName: null,
        instanceId,
        botToken,
        botUserId: "UBOT",
        installedBy: null,
      });
    const outcomes = (results: PromiseSettledResult<unknown>[]) =>
      results.map((r) => (r.status === "fulfilled" ? "won" : (r.reason as { code?: string }).code));

    // Two instances, one team: both pass the checks before either writes.
    const [a, b] = [await signUp("slack-race-a"), await signUp("slack-race-b")];
    const team = uniqueTeam();
    const results = await Promise.allSettled([
      install(a.instance.id, team, "xoxb-a"),
      install(b.instance.id, team, "xoxb-b"),
    ]);
    expect(outcomes(results).sort()).toEqual(["conflict", "won"]);
    // The row is the winner's alone: its instance and its token, not one with the other's.
    const winner = results[0]?.status === "fulfilled" ? "a" : "b";
    const row = await findSlackInstallationByTeam(db(), team);
    expect(row?.instanceId).toBe((winner === "a" ? a : b).instance.id);
    expect(await openBotToken(keyring, row as NonNullable<typeof row>)).toBe(`xoxb-${winner}`);

    // One instance, two teams.
    const c = await signUp("slack-race-c");
    const [t1, t2] = [uniqueTeam(), uniqueTeam()];
    expect(
      outcomes(
        await Promise.allSettled([
          install(c.instance.id, t1, "xoxb-1"),
          install(c.instance.id, t2, "xoxb-2"),
        ]),
      ).sort(),
    ).toEqual(["conflict", "won"]);
  });
});
