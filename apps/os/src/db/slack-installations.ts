/**
 * Slack installations repository: which Slack team belongs to which instance, and its bot token
 * (an envelope bound to the team by the AAD `slack_installations.bot_token:<team id>`).
 * A team belongs to one instance and an instance has at most one team.
 */
import { AppError, type Keyring } from "@iterate/contract";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "./client.ts";
import { LIVE_STATUSES } from "./machines.ts";
import {
  type MachineRow,
  machines,
  type SlackInstallationRow,
  slackInstallations,
} from "./schema.ts";

/** The AAD of a team's bot token envelope. */
export const botTokenAad = (teamId: string) => `slack_installations.bot_token:${teamId}`;

/** The installation of a Slack team, or null (an unknown team's events are dropped). */
export async function findSlackInstallationByTeam(
  db: Db,
  teamId: string,
): Promise<SlackInstallationRow | null> {
  const [row] = await db
    .select()
    .from(slackInstallations)
    .where(eq(slackInstallations.teamId, teamId))
    .limit(1);
  return row ?? null;
}

/**
 * Where an outbox event of `teamId`, queued at `instanceId`, may go now — read in one round trip
 * (a D1 batch): the instance's live machine, and the instance the team is connected to today
 * (null when it is connected to none; another instance's id when it moved).
 * @example const { machine, teamInstanceId } = await findDeliveryTarget(db, instanceId, teamId);
 */
export async function findDeliveryTarget(
  db: Db,
  instanceId: string,
  teamId: string,
): Promise<{ machine: MachineRow | null; teamInstanceId: string | null }> {
  const [live, team] = await db.batch([
    db
      .select()
      .from(machines)
      .where(and(eq(machines.instanceId, instanceId), inArray(machines.status, [...LIVE_STATUSES])))
      .limit(1),
    db
      .select({ instanceId: slackInstallations.instanceId })
      .from(slackInstallations)
      .where(eq(slackInstallations.teamId, teamId))
      .limit(1),
  ]);
  return { machine: live[0] ?? null, teamInstanceId: team[0]?.instanceId ?? null };
}

/** The instance's installation, or null when it has not connected Slack. */
export async function findSlackInstallationForInstance(
  db: Db,
  instanceId: string,
): Promise<SlackInstallationRow | null> {
  const [row] = await db
    .select()
    .from(slackInstallations)
    .where(eq(slackInstallations.instanceId, instanceId))
    .limit(1);
  return row ?? null;
}

/** The decrypted bot token of an installation. Secret: never log or return it. */
export function openBotToken(keyring: Keyring, row: SlackInstallationRow): Promise<string> {
  return keyring.decrypt(row.botTokenEncrypted, botTokenAad(row.teamId));
}

const TEAM_TAKEN = "This Slack workspace is already connected to another instance.";
const INSTANCE_TAKEN =
  "This instance is already connected to another Slack workspace; disconnect it first.";

/**
 * Connects a team to an instance (or refreshes the token of the same pair). Throws `conflict`
 * when the team already belongs to another instance, or the instance to another team.
 */
export async function saveSlackInstallation(
  db: Db,
  keyring: Keyring,
  input: {
    teamId: string;
    teamName: string | null;
    instanceId: string;
    botToken: string;
    botUserId: string;
    installedBy: string | null;
  },
): Promise<SlackInstallationRow> {
  const [byTeam, byInstance] = await Promise.all([
    findSlackInstallationByTeam(db, input.teamId),
    findSlackInstallationForInstance(db, input.instanceId),
  ]);
  if (byTeam && byTeam.instanceId !== input.instanceId) {
    throw new AppError("conflict", TEAM_TAKEN);
  }
  if (byInstance && byInstance.teamId !== input.teamId) {
    throw new AppError("conflict", INSTANCE_TAKEN);
  }
  const now = new Date();
  const row = {
    teamId: input.teamId,
    instanceId: input.instanceId,
    teamName: input.teamName,
    botTokenEncrypted: await keyring.encrypt(input.botToken, botTokenAad(input.teamId)),
    botUserId: input.botUserId,
    installedBy: input.installedBy,
    createdAt: byTeam?.createdAt ?? now,
    updatedAt: now,
  };
  // The checks above ran apart from this write, so the write decides a race between two
  // installs: the team's row is updated only if it is this instance's (an instance already on
  // another team fails the unique index), and the loser gets the same conflict.
  const written = await db
    .insert(slackInstallations)
    .values(row)
    .onConflictDoUpdate({
      target: slackInstallations.teamId,
      set: {
        teamName: row.teamName,
        botTokenEncrypted: row.botTokenEncrypted,
        botUserId: row.botUserId,
        installedBy: row.installedBy,
        updatedAt: now,
      },
      setWhere: eq(slackInstallations.instanceId, input.instanceId),
    })
    .returning({ teamId: slackInstallations.teamId })
    .catch((error: unknown) => {
      // The instance took another team in the meantime (its unique index; D1's error is the
      // cause of drizzle's).
      const cause = (error as { cause?: { message?: unknown } })?.cause;
      if (!String(cause?.message).includes("UNIQUE constraint failed")) throw error;
      throw new AppError("conflict", INSTANCE_TAKEN);
    });
  if (written.length === 0) {
    throw new AppError("conflict", TEAM_TAKEN);
  }
  return row;
}

/** Disconnects the instance's team (the encrypted token is deleted). False when none. */
export async function deleteSlackInstallation(db: Db, instanceId: string): Promise<boolean> {
  const deleted = await db
    .delete(slackInstallations)
    .where(eq(slackInstallations.instanceId, instanceId))
    .returning({ teamId: slackInstallations.teamId });
  return deleted.length > 0;
}

/**
 * Deletes a team's connection, but only the version saved at `savedAt` (the one a caller
 * checked): a reinstall saved since stays. True when it went.
 */
export async function deleteSlackInstallationOfTeam(
  db: Db,
  teamId: string,
  options: { savedAt: Date },
): Promise<boolean> {
  const deleted = await db
    .delete(slackInstallations)
    .where(
      and(eq(slackInstallations.teamId, teamId), eq(slackInstallations.updatedAt, options.savedAt)),
    )
    .returning({ teamId: slackInstallations.teamId });
  return deleted.length > 0;
}
