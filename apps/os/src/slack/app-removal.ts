/**
 * Slack's word that the app is gone from a team: `app_uninstalled`, or `tokens_revoked` naming
 * a bot user (revoked user tokens are not ours: we hold none). The events edge then deletes the
 * team's connection, encrypted bot token and all, so the Slack page shows it disconnected and
 * its events are no longer stored for an instance that could not answer them with a dead token.
 *
 * A signed event can be replayed for 5 minutes; only a connection saved before the event's
 * second is deleted, so a replay cannot remove the connection of a reinstall that followed it.
 *
 * @example
 * const removal = slackAppRemoval(callback.event);
 * if (removal) await deleteSlackInstallationOfTeam(db, teamId, { savedBefore, botUserIds: removal.botUserIds });
 */
import { z } from "zod";

const tokensRevokedSchema = z.looseObject({
  type: z.literal("tokens_revoked"),
  tokens: z.looseObject({ bot: z.array(z.string().max(64)).max(100).optional() }),
});

/**
 * What `event` removes: the whole app (`botUserIds` undefined: whatever the bot), the tokens of
 * these bot users, or nothing (null) — any other event, or a `tokens_revoked` of user tokens only.
 */
export function slackAppRemoval(event: { type: string }): { botUserIds?: string[] } | null {
  if (event.type === "app_uninstalled") return {};
  const revoked = tokensRevokedSchema.safeParse(event);
  const bots = revoked.success ? (revoked.data.tokens.bot ?? []) : [];
  return bots.length > 0 ? { botUserIds: bots } : null;
}
