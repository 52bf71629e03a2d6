/**
 * Slack's word that the app is gone from a team (`app_uninstalled`, `tokens_revoked`) through the
 * real events edge: the team is disconnected, as the Slack page's Disconnect would — and as an
 * attacker would try it: a replayed or stale event, another team's, a user-token revocation.
 */
import { describe, expect, it } from "vitest";
import { findSlackInstallationByTeam } from "../../src/db/slack-installations.ts";
import { browserFor, db, signUpWithSlack, uniqueTeam } from "../slack/support.ts";
import { messageEnvelope, outboxStatus, postEvent, uniqueEventId } from "./support.ts";

const now = () => Math.floor(Date.now() / 1000);

/** A signed `event_callback` of `team` carrying `event`, sent `ageSeconds` ago by its event_time. */
function callback(team: string, event: Record<string, unknown>, ageSeconds = 0) {
  return postEvent({
    token: "legacy-verification-token",
    team_id: team,
    api_app_id: "A0TEST",
    type: "event_callback",
    event_id: uniqueEventId(),
    event_time: now() - ageSeconds,
    event,
  });
}

const connected = async (team: string) => (await findSlackInstallationByTeam(db(), team)) !== null;

describe("the app removed from a team", () => {
  it("app_uninstalled disconnects the team: connection and token gone, the Slack page offers Add to Slack, its messages are no longer stored", async () => {
    const { user, team } = await signUpWithSlack("removal-uninstalled");
    const res = await callback(team, { type: "app_uninstalled" });
    expect(res.status).toBe(200);
    expect(await connected(team)).toBe(false);
    const html = await browserFor(user).page(`/instances/${user.instance.id}/slack`);
    expect(html).toContain('data-slack-state="disconnected"');

    expect((await postEvent(messageEnvelope(team, uniqueEventId()))).status).toBe(200);
    expect((await outboxStatus(user.instance.id)).depth).toBe(0);
  });

  it("tokens_revoked naming the team's bot disconnects it; one of user tokens only, or another bot, does not", async () => {
    const { team } = await signUpWithSlack("removal-revoked");
    const bot = (await findSlackInstallationByTeam(db(), team))?.botUserId as string;
    await callback(team, { type: "tokens_revoked", tokens: { oauth: ["U0PERSON"] } });
    await callback(team, { type: "tokens_revoked", tokens: { bot: ["U0OTHERBOT"] } });
    expect(await connected(team)).toBe(true);
    expect((await callback(team, { type: "tokens_revoked", tokens: { bot: [bot] } })).status).toBe(
      200,
    );
    expect(await connected(team)).toBe(false);
  });

  it("keeps a connection made after the event: a replay (signed, within Slack's 5 minutes) cannot undo a reinstall", async () => {
    const { team } = await signUpWithSlack("removal-replay");
    expect((await callback(team, { type: "app_uninstalled" }, 10)).status).toBe(200);
    expect(await connected(team)).toBe(true);
  });

  it("another team's app_uninstalled leaves this team connected", async () => {
    const { team } = await signUpWithSlack("removal-other-team");
    expect((await callback(uniqueTeam(), { type: "app_uninstalled" })).status).toBe(200);
    expect(await connected(team)).toBe(true);
  });
});
