/**
 * Helpers of the outbox tests (workerd): posting events, waiting for them on the machine, the
 * outbox's rows, and an event the daemon fails on every time.
 */

import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { slackThreadStream } from "@iterate/contract";
import { expect } from "vitest";
import { fetchForInstance } from "../../src/machines/fetch-for-instance.ts";
import { type InstanceDO, instanceObject } from "../../src/machines/instance-do.ts";
import { eventually } from "../machines/support.ts";
import {
  messageEnvelope,
  outboxStatus,
  postEvent,
  recordedIds,
  THREAD_TS,
  uniqueEventId,
} from "./support.ts";

/** Posts `count` fresh events for `team` one after another (each acked 200); returns their ids. */
export async function postEvents(team: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = uniqueEventId();
    const res = await postEvent(messageEnvelope(team, id, { text: `message ${i}` }));
    expect(res.status).toBe(200);
    ids.push(id);
  }
  return ids;
}

export function delivered(instanceId: string, team: string, ids: string[], timeoutMs?: number) {
  return eventually(
    `${ids.length} events on the machine`,
    async () => {
      const seen = await recordedIds(instanceId, team);
      return seen.length >= ids.length ? seen : undefined;
    },
    timeoutMs,
  );
}

export type OutboxRow = {
  event_id: string;
  delivered_at: number | null;
  outcome: string | null;
  attempts: number;
};

export function outboxRows(instanceId: string): Promise<OutboxRow[]> {
  return runInDurableObject(instanceObject(env, instanceId), (_do: InstanceDO, state) =>
    state.storage.sql
      .exec<{
        event_id: string;
        delivered_at: number | null;
        outcome: string | null;
        attempts: number;
      }>("SELECT event_id, delivered_at, outcome, attempts FROM slack_outbox ORDER BY seq")
      .toArray(),
  );
}

/**
 * The outbox's status once its queue is empty: the daemon records an event before it answers,
 * and the outbox marks the row only after that answer, so a test that saw the event recorded
 * can still read the row as waiting for a moment.
 */
export function queueEmpty(instanceId: string) {
  return eventually("the outbox to be empty", async () => {
    const status = await outboxStatus(instanceId);
    return status.depth === 0 ? status : undefined;
  });
}

/**
 * Posts an event in a thread whose stream on the machine is plain text, not a session: recording
 * it fails inside the daemon (500) however often it is sent — a bug the event trips.
 */
export async function postPoisonedEvent(instanceId: string, team: string): Promise<void> {
  const poisoned = slackThreadStream({
    team_id: team,
    event: { type: "message", channel: "C0POISON", ts: THREAD_TS },
  });
  const created = await fetchForInstance(env, instanceId)(`/agents/${poisoned}`, {
    method: "PUT",
    headers: { "content-type": "text/plain" },
  });
  expect(created.status).toBe(201);
  await postEvent(messageEnvelope(team, uniqueEventId(), { channel: "C0POISON" }));
}

/** Runs the outbox's alarm (its next attempt, without sitting out the backoff) until `until`. */
export function attemptUntil<T>(
  instanceId: string,
  what: string,
  until: (rows: OutboxRow[]) => T | undefined,
) {
  const stub = instanceObject(env, instanceId);
  return eventually(what, async () => {
    await runDurableObjectAlarm(stub);
    return until(await outboxRows(instanceId));
  });
}
