/**
 * Attacker regression tests (security review of the one-query machineAuth and the per-isolate
 * bot-token cache): the join never lets a token act for another machine or instance, nor a dead
 * token or machine through; the cached decrypt never hands one instance another's bot token, nor
 * a stale token after a disconnect, a move or a re-seal.
 */

import { env } from "cloudflare:test";
import { parseAccessToken } from "@iterate/contract";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accessTokens, machines, slackInstallations } from "../../src/db/schema.ts";
import {
  botTokenAad,
  deleteSlackInstallation,
  findSlackInstallationByTeam,
} from "../../src/db/slack-installations.ts";
import { keyringFromEnv } from "../../src/keyring.ts";
import { daemonSecretAad } from "../../src/machines/fetch-for-instance.ts";
import { expectError, signUp } from "../helpers.ts";
import { currentMachine, daemonPing, sendPing } from "../machines/support.ts";
import {
  connectSlack,
  db,
  machineToken,
  signUpWithSlack,
  slackCalls,
  slackProxy,
} from "../slack/support.ts";

const refused = async (token: string) =>
  expectError(await slackProxy("auth.test", { token }), 401, "unauthorized");

describe("machineAuth's one-query join, as an attacker", () => {
  it("refuses a token whose secret is wrong, one past its expires_at, a failed machine's, and one pointing at another instance's machine", async () => {
    const { user } = await signUpWithSlack("sec-join-a");
    const { token, machineId } = await machineToken(user.instance.id);
    expect((await slackProxy("auth.test", { token })).status).toBe(200);

    // Same token id, another secret of the same length.
    const { tokenId: id, secret } = parseAccessToken(token) as { tokenId: string; secret: string };
    const flipped = `${token.slice(0, -secret.length)}${secret.slice(0, -1)}${secret.endsWith("A") ? "B" : "A"}`;
    expect(parseAccessToken(flipped)?.tokenId).toBe(id);
    await refused(flipped);

    // An expiry in the past (machine tokens have none, but the join must still honour it).
    await db()
      .update(accessTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(accessTokens.id, id));
    await refused(token);
    await db().update(accessTokens).set({ expiresAt: null }).where(eq(accessTokens.id, id));
    expect((await slackProxy("auth.test", { token })).status).toBe(200);

    // A failed machine is not live.
    await db().update(machines).set({ status: "failed" }).where(eq(machines.id, machineId));
    await refused(token);
    await db().update(machines).set({ status: "ready" }).where(eq(machines.id, machineId));

    // The token row re-pointed at a live machine of another instance: the join finds that
    // machine, whose instance is not the token's — refused, and instance B's Slack is untouched.
    const { user: other, team: otherTeam } = await signUpWithSlack("sec-join-b");
    const { machineId: otherMachine } = await machineToken(other.instance.id);
    await db().update(accessTokens).set({ machineId: otherMachine }).where(eq(accessTokens.id, id));
    await refused(token);
    expect(await slackCalls({ team: otherTeam })).toEqual([]);
    await db().update(accessTokens).set({ machineId }).where(eq(accessTokens.id, id));
    expect((await slackProxy("auth.test", { token })).status).toBe(200);
  });

  it("refuses a machine token re-labelled as a user token (kind is checked, not only the join)", async () => {
    const { user } = await signUpWithSlack("sec-join-kind");
    const { token } = await machineToken(user.instance.id);
    const id = parseAccessToken(token)?.tokenId as string;
    await db().update(accessTokens).set({ kind: "user" }).where(eq(accessTokens.id, id));
    await refused(token);
    await db().update(accessTokens).set({ kind: "machine" }).where(eq(accessTokens.id, id));
    expect((await slackProxy("auth.test", { token })).status).toBe(200);
  });
});

describe("the ping on machineAuth, as an attacker holding the machine token", () => {
  it("lets exactly one of two racing first pings with different secrets win; the other is 409 and the winner's secret stays", async () => {
    const user = await signUp("sec-ping-race");
    const machine = await currentMachine(user.instance.id);
    const ping = await daemonPing(machine.id);
    const body = JSON.parse(ping.body) as { machineId: string; secret: string; version: string };
    const forgedSecret = `${body.secret.slice(0, 10)}${body.secret[10] === "A" ? "B" : "A"}${body.secret.slice(11)}`;
    const forged = JSON.stringify({ ...body, secret: forgedSecret });
    const answers = await Promise.all([
      sendPing(ping.authorization, ping.body),
      sendPing(ping.authorization, forged),
    ]);
    const statuses = answers.map((res) => res.status).sort();
    expect(statuses).toEqual([200, 409]);
    const winner = answers[0]?.status === 200 ? body.secret : forgedSecret;
    const row = await db().select().from(machines).where(eq(machines.id, machine.id)).get();
    const keyring = await keyringFromEnv(env);
    expect(
      await keyring.decrypt(row?.daemonSecretEncrypted ?? "", daemonSecretAad(machine.id)),
    ).toBe(winner);
    // Whoever lost keeps losing: a third ping with the loser's secret is refused too.
    const loser = winner === body.secret ? forged : ping.body;
    await expectError(await sendPing(ping.authorization, loser), 409, "conflict");
  });
});

describe("the Slack proxy's per-isolate bot-token cache, as an attacker", () => {
  it("answers 404 at once after a disconnect, though the token was just decrypted and cached", async () => {
    const { user, team } = await signUpWithSlack("sec-cache-disconnect");
    const { token } = await machineToken(user.instance.id);
    expect((await slackProxy("auth.test", { token })).status).toBe(200);
    expect(await deleteSlackInstallation(db(), user.instance.id)).toBe(true);
    await expectError(await slackProxy("auth.test", { token }), 404, "not_found");
    expect((await slackCalls({ team, method: "auth.test" })).length).toBe(1);
  });

  it("after a team moves from instance A to B, A's machine gets nothing and B's gets the team", async () => {
    const { user: a, team } = await signUpWithSlack("sec-cache-move-a");
    const { token: aToken } = await machineToken(a.instance.id);
    expect((await slackProxy("auth.test", { token: aToken })).status).toBe(200);

    const b = await signUp("sec-cache-move-b");
    const { token: bToken } = await machineToken(b.instance.id);
    expect(await deleteSlackInstallation(db(), a.instance.id)).toBe(true);
    expect((await connectSlack(b, team)).res.status).toBe(303);
    expect((await findSlackInstallationByTeam(db(), team))?.instanceId).toBe(b.instance.id);

    await expectError(await slackProxy("auth.test", { token: aToken }), 404, "not_found");
    const res = await slackProxy("auth.test", { token: bToken });
    expect(await res.json()).toMatchObject({ ok: true, team_id: team });
  });

  it("uses a re-sealed (rotated) bot token on the very next call, never the cached one", async () => {
    const { user, team } = await signUpWithSlack("sec-cache-reseal");
    const { token } = await machineToken(user.instance.id);
    expect((await slackProxy("auth.test", { token })).status).toBe(200);
    const keyring = await keyringFromEnv(env);
    const rotated = `xoxb-rotated-${crypto.randomUUID()}`;
    await db()
      .update(slackInstallations)
      .set({ botTokenEncrypted: await keyring.encrypt(rotated, botTokenAad(team)) })
      .where(eq(slackInstallations.teamId, team));
    await slackProxy("auth.test", { token });
    const calls = await slackCalls({ method: "auth.test", token: rotated });
    expect(calls).toHaveLength(1);
  });

  it("never opens an envelope copied from another team's row (AAD binds it to its team)", async () => {
    const { user: a, team: aTeam } = await signUpWithSlack("sec-cache-copy-a");
    const { user: b, team: bTeam } = await signUpWithSlack("sec-cache-copy-b");
    const { token: aToken } = await machineToken(a.instance.id);
    // B's token is decrypted and cached in this isolate first.
    const { token: bToken } = await machineToken(b.instance.id);
    expect((await slackProxy("auth.test", { token: bToken })).status).toBe(200);
    const bRow = await findSlackInstallationByTeam(db(), bTeam);
    // Someone with D1 write access copies B's envelope into A's row: it must not decrypt.
    await db()
      .update(slackInstallations)
      .set({ botTokenEncrypted: bRow?.botTokenEncrypted as string })
      .where(eq(slackInstallations.teamId, aTeam));
    const res = await slackProxy("auth.test", { token: aToken });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect((await slackCalls({ team: bTeam, method: "auth.test" })).length).toBe(1);
  });
});
