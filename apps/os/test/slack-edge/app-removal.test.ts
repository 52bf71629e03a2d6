/**
 * Slack's word that the app is gone from a team (`app_uninstalled`, `tokens_revoked`) through the
 * real events edge and the fake Slack: the team is disconnected once Slack confirms its token is
 * dead — and, as an attacker would try it, not by a replayed event while the token works, nor
 * by another team's event, a user-token revocation, or when Slack cannot be asked.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { findSlackInstallationByTeam, openBotToken } from "../../src/db/slack-installations.ts";
import { keyringFromEnv } from "../../src/keyring.ts";
import {
  browserFor,
  db,
  failNext,
  fakeSlack,
  signUpWithSlack,
  slackCalls,
  uniqueTeam,
} from "../slack/support.ts";
import { messageEnvelope, outboxStatus, postEvent, uniqueEventId } from "./support.ts";

/** A signed `event_callback` of `team` carrying `event`. */
function callback(team: string, event: Record<string, unknown>) {
  return postEvent({
    token: "legacy-verification-token",
    team_id: team,
    api_app_id: "A0TEST",
    type: "event_callback",
    event_id: uniqueEventId(),
    event_time: Math.floor(Date.now() / 1000),
    event,
  });
}

const installation = (team: string) => findSlackInstallationByTeam(db(), team);

/** What removing the app in Slack does to the bot token: it stops working at the fake. */
async function revokeAtSlack(team: string): Promise<void> {
  const row = await installation(team);
  const token = await openBotToken(await keyringFromEnv(env), row as NonNullable<typeof row>);
  const res = await fetch(`${fakeSlack().apiUrl}auth.revoke`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
}

describe("the app removed from a team", () => {
  it("app_uninstalled with the token dead disconnects the team: the Slack page offers Add to Slack, its messages are no longer stored", async () => {
    const { user, team } = await signUpWithSlack("removal-uninstalled");
    await revokeAtSlack(team);
    expect((await callback(team, { type: "app_uninstalled" })).status).toBe(200);
    expect(await installation(team)).toBeNull();
    const html = await browserFor(user).page(`/instances/${user.instance.id}/slack`);
    expect(html).toContain('data-slack-state="disconnected"');

    expect((await postEvent(messageEnvelope(team, uniqueEventId()))).status).toBe(200);
    expect((await outboxStatus(user.instance.id)).depth).toBe(0);
  });

  it("a signed app_uninstalled while the token still works (a replay after a reinstall) keeps the connection", async () => {
    const { team } = await signUpWithSlack("removal-replay");
    const asked = (await slackCalls({ method: "auth.test", team })).length;
    expect((await callback(team, { type: "app_uninstalled" })).status).toBe(200);
    expect(await installation(team)).not.toBeNull();
    // Slack was asked, with the team's own token.
    expect((await slackCalls({ method: "auth.test", team })).length).toBe(asked + 1);
  });

  it("tokens_revoked naming the team's bot disconnects it; one of user tokens only, or of another bot, does not", async () => {
    const { team } = await signUpWithSlack("removal-revoked");
    const bot = (await installation(team))?.botUserId as string;
    await revokeAtSlack(team);
    const userTokens = await callback(team, { type: "tokens_revoked", tokens: { oauth: ["U0P"] } });
    const otherBot = await callback(team, { type: "tokens_revoked", tokens: { bot: ["U0OTHER"] } });
    expect([userTokens.status, otherBot.status]).toEqual([200, 200]);
    expect(await installation(team)).not.toBeNull();
    const ours = await callback(team, { type: "tokens_revoked", tokens: { bot: [bot] } });
    expect(ours.status).toBe(200);
    expect(await installation(team)).toBeNull();
  });

  it("answers 502 and keeps the connection when Slack cannot say whether the token is dead, so Slack sends the event again", async () => {
    const { team } = await signUpWithSlack("removal-unknown");
    await failNext({ method: "auth.test", team, status: 500 });
    const res = await callback(team, { type: "app_uninstalled" });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("upstream_error");
    expect(await installation(team)).not.toBeNull();
  });

  it("another team's app_uninstalled leaves this team connected", async () => {
    const { team } = await signUpWithSlack("removal-other-team");
    await revokeAtSlack(team);
    expect((await callback(uniqueTeam(), { type: "app_uninstalled" })).status).toBe(200);
    expect(await installation(team)).not.toBeNull();
  });
});
