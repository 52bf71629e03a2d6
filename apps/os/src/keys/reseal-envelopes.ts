/**
 * Completing a key rotation: re-seals every envelope still sealed under another key than the
 * keyring's current one, so `ENCRYPTION_KEY_PREVIOUS` can be dropped afterwards (docs/deploy.md).
 *
 * The envelopes (one per column, each bound to its row by its AAD): `env_vars.value_encrypted`,
 * `machines.daemon_secret_encrypted`, `machines.provider_headers_encrypted`,
 * `slack_installations.bot_token_encrypted`. Rows are found by the key id each envelope names
 * (the contract's `envelopeKeyId`), walked in `rowid` order one page at a time, so a call does
 * bounded work and hands back a cursor for the next.
 *
 * Safe to run while the platform serves traffic and to run again: each row is replaced only if it
 * still holds the envelope that was read (compare-and-set), so a concurrent write — always sealed
 * under the current key — wins; a row that does not open (a key the keyring lacks) is reported,
 * never changed.
 */
import { AppError, envelopeKeyId, type Keyring } from "@iterate/contract";
import { sql } from "drizzle-orm";

import type { Db } from "../db/client.ts";
import { envVarAad } from "../db/env-vars.ts";
import { botTokenAad } from "../db/slack-installations.ts";
import { daemonSecretAad, providerHeadersAad } from "../machines/fetch-for-instance.ts";

/** One encrypted column: where it lives, how its rows are named and what AAD binds them. */
type EnvelopeColumn = {
  name: string;
  table: string;
  column: string;
  /** The columns that name a row (for the AAD and the report). */
  key: string[];
  aad: (row: Record<string, string>) => string;
};

/** Every envelope column of the schema (db/schema.ts), in the order they are walked. */
export const ENVELOPE_COLUMNS: readonly EnvelopeColumn[] = [
  {
    name: "env_vars.value",
    table: "env_vars",
    column: "value_encrypted",
    key: ["instance_id", "name"],
    aad: (r) => envVarAad(r.instance_id as string, r.name as string),
  },
  {
    name: "machines.daemon_secret",
    table: "machines",
    column: "daemon_secret_encrypted",
    key: ["id"],
    aad: (r) => daemonSecretAad(r.id as string),
  },
  {
    name: "machines.provider_headers",
    table: "machines",
    column: "provider_headers_encrypted",
    key: ["id"],
    aad: (r) => providerHeadersAad(r.id as string),
  },
  {
    name: "slack_installations.bot_token",
    table: "slack_installations",
    column: "bot_token_encrypted",
    key: ["team_id"],
    aad: (r) => botTokenAad(r.team_id as string),
  },
];

/** Rows read per page. */
const PAGE_SIZE = 100;

/** A row that could not be re-sealed, by column and row name (never its value). */
export type ResealFailure = { column: string; row: string; reason: string };

/** What one {@link resealEnvelopes} call did, and where the next call continues. */
export type ResealReport = {
  /** The current key every re-sealed envelope now names. */
  keyId: string;
  resealed: number;
  failed: ResealFailure[];
  /** Pass to the next call; null once every column was walked to its end. */
  cursor: string | null;
};

function parseCursor(cursor: string | null | undefined): { column: number; rowid: number } {
  if (cursor === null || cursor === undefined) return { column: 0, rowid: 0 };
  const match = cursor.match(/^(\d+):(\d+)$/);
  const column = Number(match?.[1]);
  // A column past the last would answer "done" (cursor null) with envelopes still unsealed.
  if (!match || !(column < ENVELOPE_COLUMNS.length)) {
    throw new AppError(
      "validation_failed",
      "cursor: must be a cursor this route returned (or null to start)",
    );
  }
  return { column, rowid: Number(match[2]) };
}

/**
 * Re-seals up to `pages` pages of envelopes under `keyring`'s current key, from `cursor` on.
 * @example
 * let cursor = null;
 * do ({ cursor } = await resealEnvelopes(db, keyring, { cursor })); while (cursor);
 */
export async function resealEnvelopes(
  db: Db,
  keyring: Keyring,
  options: { cursor?: string | null; pages?: number } = {},
): Promise<ResealReport> {
  const report: ResealReport = { keyId: keyring.keyId, resealed: 0, failed: [], cursor: null };
  let { column: index, rowid } = parseCursor(options.cursor);
  for (let page = 0; page < (options.pages ?? 5) && index < ENVELOPE_COLUMNS.length; page++) {
    const target = ENVELOPE_COLUMNS[index] as EnvelopeColumn;
    const column = sql.raw(target.column);
    const keys = sql.raw(target.key.join(", "));
    const rows = await db.all<Record<string, string> & { rid: number; envelope: string }>(sql`
      select rowid as rid, ${keys}, ${column} as envelope from ${sql.raw(target.table)}
      where rowid > ${rowid} and ${column} is not null
      order by rowid limit ${PAGE_SIZE}`);
    for (const row of rows) {
      if (envelopeKeyId(row.envelope) === keyring.keyId) continue;
      const rowName = target.key.map((k) => row[k]).join("/");
      let resealed: string;
      try {
        const aad = target.aad(row);
        resealed = await keyring.encrypt(await keyring.decrypt(row.envelope, aad), aad);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        report.failed.push({ column: target.name, row: rowName, reason });
        continue;
      }
      // Compare-and-set: only over the envelope just read, so a concurrent write wins.
      const updated = await db.all(sql`
        update ${sql.raw(target.table)} set ${column} = ${resealed}
        where rowid = ${row.rid} and ${column} = ${row.envelope} returning rowid`);
      if (updated.length > 0) report.resealed += 1;
    }
    const last = rows.at(-1);
    if (rows.length < PAGE_SIZE || !last) {
      index += 1;
      rowid = 0;
    } else {
      rowid = last.rid;
    }
  }
  report.cursor = index < ENVELOPE_COLUMNS.length ? `${index}:${rowid}` : null;
  return report;
}
