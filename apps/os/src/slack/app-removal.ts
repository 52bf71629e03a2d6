/**
 * Slack's word that the app is gone from a team: `app_uninstalled`, or `tokens_revoked` naming
 * the team's bot user (revoked user tokens are not ours: we hold none). The team's connection
 * is then deleted, encrypted bot token and all — as the Slack page's Disconnect does — so the
 * page offers Add to Slack again instead of showing a connection whose token is dead.
 *
 * Only once Slack confirms the stored token is dead (`auth.test`): a signed event can be
 * replayed for 5 minutes, and a reinstall in between has a working token, so neither a replay
 * nor a late event can disconnect a team that works. And only the very row checked is deleted,
 * so a reinstall saved meanwhile stays.
 *
 * @example
 * const removal = slackAppRemoval(callback.event);
 * if (removal) await removeSlackApp(c.env, teamId, removal); // "removed" | "kept: …"
 */
import { AppError } from "@iterate/contract";
import { z } from "zod";
import type { Bindings } from "../app-env.ts";
import { createDb } from "../db/client.ts";
import {
  deleteSlackInstallationOfTeam,
  findSlackInstallationByTeam,
  openBotToken,
} from "../db/slack-installations.ts";
import { keyringFromEnv } from "../keyring.ts";
import { slackApiUrl } from "./slack-config.ts";
import { slackTokenState } from "./slack-token.ts";

const tokensRevokedSchema = z.looseObject({
  type: z.literal("tokens_revoked"),
  tokens: z.looseObject({ bot: z.array(z.string().max(64)).max(100).optional() }),
});

/**
 * What `event` says is gone: the whole app (`botUserIds` undefined), the tokens of these bot
 * users, or nothing (null) — any other event, or a `tokens_revoked` of user tokens only.
 */
export function slackAppRemoval(event: { type: string }): { botUserIds?: string[] } | null {
  if (event.type === "app_uninstalled") return {};
  const revoked = tokensRevokedSchema.safeParse(event);
  const bots = revoked.success ? (revoked.data.tokens.bot ?? []) : [];
  return bots.length > 0 ? { botUserIds: bots } : null;
}

/**
 * Disconnects `teamId` if the removal concerns its bot and Slack says its token is dead; what
 * happened, in words for the log. Throws 502 `upstream_error` when Slack could not be asked,
 * so Slack sends the event again later.
 */
export async function removeSlackApp(
  env: Bindings,
  teamId: string,
  removal: { botUserIds?: string[] },
): Promise<string> {
  const db = createDb(env.DB);
  const row = await findSlackInstallationByTeam(db, teamId);
  if (!row) return "kept: no connection";
  if (removal.botUserIds && !removal.botUserIds.includes(row.botUserId)) {
    return "kept: another bot's tokens";
  }
  // A token that cannot be opened (keys rotated badly) has no working connection to keep.
  const token = await openBotToken(await keyringFromEnv(env), row).catch(() => null);
  const state = token === null ? "revoked" : await slackTokenState(slackApiUrl(env), token);
  if (state === "alive") return "kept: its token still works (a replay, or reinstalled since)";
  if (state === "unknown") {
    throw new AppError(
      "upstream_error",
      "Slack could not be asked whether the bot token is revoked; send the event again.",
    );
  }
  const removed = await deleteSlackInstallationOfTeam(db, teamId, { savedAt: row.updatedAt });
  return removed ? `disconnected from ${row.instanceId}` : "kept: reinstalled meanwhile";
}
