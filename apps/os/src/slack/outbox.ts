/**
 * The Slack outbox of one instance, kept in its Durable Object's SQLite storage: events are
 * stored before Slack gets its 200, then delivered to the instance's machine one at a time in
 * arrival order, retried with backoff (DO alarms) until the daemon accepts them — across
 * rebuilds, restarts and evictions. A plain module: `InstanceDO` owns the storage and calls it.
 *
 * Guarantees (docs/slack-events.md):
 * - none lost: a row leaves the queue only when the daemon answered 2xx, or refused the event
 *   itself (400/413/415/422: retrying the same bytes can only fail the same way), or failed on
 *   it {@link MAX_EVENT_FAULTS} times (500: a bug this event trips, which would
 *   otherwise hold every event behind it forever) — the last two shown on the Slack page;
 * - in order: row N+1 is not sent before row N is settled;
 * - none twice: `event_id` is unique here (Slack's retries are acknowledged and dropped), and a
 *   delivery whose 200 was lost is sent again — the daemon dedupes it on the same `event_id`.
 *
 * @example
 * const outbox = createSlackOutbox({ sql: ctx.storage.sql, alarms: ctx.storage, deliver });
 * await ctx.blockConcurrencyWhile(() => outbox.load());
 * await outbox.enqueue(instanceId, { eventId, teamId, payload }); // { duplicate: false }
 */

import {
  type Deliver,
  type DeliveryOutcome,
  type OutboxEvent,
  retryDelayMs,
  settlement,
} from "./delivery-outcome.ts";

/** What `outboxStatus()` answers (the Slack page shows depth and the last error). */
export type OutboxStatus = {
  /** Events stored and not yet accepted by a daemon. */
  depth: number;
  /** The last failed delivery, in words; null when none ever failed. */
  lastError: string | null;
  lastErrorAt: string | null;
  lastDeliveredAt: string | null;
};

/** A delivered event id is remembered this long for dedup (Slack retries within ~5 minutes)… */
export const DELIVERED_RETENTION_MS = 60 * 60 * 1000;
/** …and at most this many of them. */
export const DELIVERED_RETENTION_COUNT = 10_000;
/**
 * After an enqueue, an alarm this far out guarantees another attempt even if the isolate dies
 * mid-delivery; when the delivery went fine it fires into an empty queue and does nothing.
 */
export const WATCHDOG_MS = 30_000;

/** Options of {@link createSlackOutbox}. */
export interface SlackOutboxOptions {
  sql: SqlStorage;
  /** The DO's storage (its alarm). */
  alarms: Pick<DurableObjectStorage, "getAlarm" | "setAlarm">;
  deliver: Deliver;
  now?: () => number;
  log?: (line: string) => void;
}

type Meta = {
  instanceId: string | null;
  /** Consecutive failed attempts; > 0 means "in backoff": only the alarm or a ready machine retries. */
  failures: number;
  lastError: string | null;
  lastErrorAt: number | null;
  lastDeliveredAt: number | null;
  /** The row the machine failed on (500) while it heads the queue, and how many times. */
  faultSeq: number | null;
  faults: number;
};

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS slack_outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     event_id TEXT NOT NULL UNIQUE,
     team_id TEXT NOT NULL,
     payload TEXT NOT NULL,
     received_at INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     delivered_at INTEGER,
     outcome TEXT
   )`,
  "CREATE INDEX IF NOT EXISTS slack_outbox_pending ON slack_outbox (seq) WHERE delivered_at IS NULL",
  "CREATE INDEX IF NOT EXISTS slack_outbox_delivered ON slack_outbox (delivered_at) WHERE delivered_at IS NOT NULL",
  "CREATE TABLE IF NOT EXISTS slack_outbox_meta (key TEXT PRIMARY KEY, value TEXT)",
];

/** The outbox; see the module comment. */
export type SlackOutbox = ReturnType<typeof createSlackOutbox>;

/** @see SlackOutbox */
export function createSlackOutbox(options: SlackOutboxOptions) {
  const { sql, alarms, deliver } = options;
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => console.log(line));
  const meta: Meta = {
    instanceId: null,
    failures: 0,
    lastError: null,
    lastErrorAt: null,
    lastDeliveredAt: null,
    faultSeq: null,
    faults: 0,
  };
  let draining: Promise<void> | null = null;
  let again = false;
  /** When the DO alarm is set for (mirrors storage, so an enqueue needs no storage read). */
  let alarmAt: number | null = null;

  async function setAlarm(at: number) {
    alarmAt = at;
    await alarms.setAlarm(at);
  }

  function saveMeta(patch: Partial<Meta>) {
    for (const [key, value] of Object.entries(patch)) {
      if (meta[key as keyof Meta] === value) continue;
      (meta as Record<string, unknown>)[key] = value;
      sql.exec(
        "INSERT INTO slack_outbox_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        key,
        JSON.stringify(value),
      );
    }
  }

  function depth(): number {
    return sql
      .exec<{ n: number }>("SELECT count(*) AS n FROM slack_outbox WHERE delivered_at IS NULL")
      .one().n;
  }

  function prune() {
    sql.exec(
      "DELETE FROM slack_outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?",
      now() - DELIVERED_RETENTION_MS,
    );
    sql.exec(
      `DELETE FROM slack_outbox WHERE delivered_at IS NOT NULL AND seq <= (
         SELECT seq FROM slack_outbox WHERE delivered_at IS NOT NULL
         ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
      DELIVERED_RETENTION_COUNT,
    );
  }

  /** Delivers until the queue is empty or an attempt fails (then the alarm retries). */
  async function drainOnce(): Promise<void> {
    const instanceId = meta.instanceId;
    if (!instanceId) return;
    for (;;) {
      const row = sql
        .exec<{ seq: number; event_id: string; team_id: string; payload: string }>(
          "SELECT seq, event_id, team_id, payload FROM slack_outbox WHERE delivered_at IS NULL ORDER BY seq LIMIT 1",
        )
        .toArray()[0];
      if (!row) return;
      sql.exec("UPDATE slack_outbox SET attempts = attempts + 1 WHERE seq = ?", row.seq);
      const event = { eventId: row.event_id, teamId: row.team_id, payload: row.payload };
      const outcome = await deliver(instanceId, event).catch(
        (error: unknown): DeliveryOutcome => ({
          kind: "retry",
          error: `delivery failed: ${(error as Error).message}`,
        }),
      );
      const at = now();
      const { outcome: settled, faults } = settlement(
        outcome,
        meta.faultSeq === row.seq ? meta.faults : 0,
      );
      saveMeta({ faultSeq: faults > 0 ? row.seq : null, faults });
      if (settled.kind === "retry") {
        const failures = meta.failures + 1;
        saveMeta({ failures, lastError: settled.error, lastErrorAt: at });
        const delay = retryDelayMs(failures);
        await setAlarm(at + delay);
        log(
          `slack outbox ${instanceId}: ${row.event_id} not delivered (${settled.error}); ${depth()} waiting, retry in ${delay} ms`,
        );
        return;
      }
      // The payload has served its purpose; the id stays for dedup until pruned.
      sql.exec(
        "UPDATE slack_outbox SET delivered_at = ?, outcome = ?, payload = '' WHERE seq = ?",
        at,
        settled.kind,
        row.seq,
      );
      if (settled.kind === "dropped") {
        log(`slack outbox ${instanceId}: ${row.event_id} not delivered here (${settled.reason})`);
      } else if (settled.kind === "rejected") {
        saveMeta({ failures: 0, lastError: settled.error, lastErrorAt: at });
        log(`slack outbox ${instanceId}: ${row.event_id} refused and dropped (${settled.error})`);
      } else {
        saveMeta({ failures: 0, lastDeliveredAt: at });
      }
    }
  }

  /**
   * Starts delivering unless a delivery run is going (it then goes round once more, so an event
   * stored meanwhile is not left behind). Resolves when the queue is empty or an attempt failed.
   */
  function drain(): Promise<void> {
    if (draining) {
      again = true;
      return draining;
    }
    draining = (async () => {
      try {
        do {
          again = false;
          await drainOnce();
        } while (again && meta.failures === 0);
        // Off the ack path: once per delivery run rather than per event.
        prune();
      } finally {
        draining = null;
      }
    })();
    return draining;
  }

  return {
    /** Creates the tables and loads the meta; call inside `blockConcurrencyWhile`. */
    async load(): Promise<void> {
      for (const statement of SCHEMA) sql.exec(statement);
      for (const { key, value } of sql.exec<{ key: string; value: string }>(
        "SELECT key, value FROM slack_outbox_meta",
      )) {
        if (key in meta) (meta as Record<string, unknown>)[key] = JSON.parse(value);
      }
      // An alarm always stands while events wait; this only repairs a store that lost it.
      alarmAt = await alarms.getAlarm();
      if (depth() > 0 && alarmAt === null) await setAlarm(now());
    },

    /**
     * Stores an event (durable once the RPC answers); `duplicate` when its `event_id` is already
     * here (a Slack retry). Delivery starts at once unless the outbox is backing off.
     */
    async enqueue(instanceId: string, event: OutboxEvent): Promise<{ duplicate: boolean }> {
      if (meta.instanceId !== instanceId) saveMeta({ instanceId });
      // One statement on the ack path: the unique `event_id` decides "new or Slack's retry".
      const inserted = sql
        .exec(
          `INSERT INTO slack_outbox (event_id, team_id, payload, received_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (event_id) DO NOTHING RETURNING seq`,
          event.eventId,
          event.teamId,
          event.payload,
          now(),
        )
        .toArray().length;
      if (!inserted) return { duplicate: true };
      // Only the first event after the alarm fired writes one (alarmAt mirrors storage).
      if (alarmAt === null) await setAlarm(now() + WATCHDOG_MS);
      // In backoff, a new event waits for the alarm or a ready machine like the ones before it:
      // trying now would only fail again (and order is kept either way).
      if (meta.failures === 0) void drain();
      return { duplicate: false };
    },

    /** A machine of the instance just became ready: deliver what waits, now. */
    machineReady(instanceId: string): { depth: number } {
      if (meta.instanceId !== instanceId) saveMeta({ instanceId });
      // A new machine may not have the bug an event tripped: it gets its full count of tries.
      saveMeta({ failures: 0, faultSeq: null, faults: 0 });
      const waiting = depth();
      if (waiting > 0) void drain();
      return { depth: waiting };
    },

    /** The DO alarm: a scheduled retry (or the watchdog). */
    async alarm(): Promise<void> {
      // The alarm that fired is spent; a failed attempt in this run sets the next one.
      alarmAt = null;
      await drain();
    },

    /** Resolves when the current delivery run (if any) is over. */
    drain,

    status(): OutboxStatus {
      const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
      return {
        depth: depth(),
        lastError: meta.lastError,
        lastErrorAt: iso(meta.lastErrorAt),
        lastDeliveredAt: iso(meta.lastDeliveredAt),
      };
    },
  };
}
