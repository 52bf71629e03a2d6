import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type InstanceDO, instanceObject } from "../../src/machines/instance-do.ts";
import { DELIVERED_RETENTION_MS } from "../../src/slack/outbox.ts";
import { deliverPing, eventually, machineInStatus } from "../machines/support.ts";
import { browserFor } from "../slack/support.ts";
import { delivered, outboxRows, postEvents, queueEmpty } from "./outbox-support.ts";
import {
  connectedInstance,
  connectedInstanceNotReady,
  messageEnvelope,
  outboxStatus,
  postEvent,
  recordedIds,
  threadItems,
  threadOf,
  uniqueEventId,
} from "./support.ts";

describe("the Slack outbox (InstanceDO)", () => {
  it("delivers each event to its thread's stream on the machine once, in arrival order", async () => {
    const { user, team } = await connectedInstance("outbox-order");
    const ids = await postEvents(team, 5);
    expect(await delivered(user.instance.id, team, ids)).toEqual(ids);
    const items = (await threadItems(user.instance.id, threadOf(team))).filter(
      (item) => item.type === "slack_event",
    );
    expect(items.map((item) => item.text)).toEqual([0, 1, 2, 3, 4].map((i) => `message ${i}`));
    const status = await queueEmpty(user.instance.id);
    expect(status.lastError).toBeNull();
    expect(status.lastDeliveredAt).not.toBeNull();
  });

  it("delivers an event Slack retried (same event_id, X-Slack-Retry-Num: 1) once", async () => {
    const { user, team } = await connectedInstance("outbox-retry");
    const envelope = messageEnvelope(team, uniqueEventId());
    expect((await postEvent(envelope)).status).toBe(200);
    const retried = await postEvent(envelope, { extraHeaders: { "x-slack-retry-num": "1" } });
    expect(retried.status).toBe(200);
    const [after] = await postEvents(team, 1);
    // The later event arrived, so the retry (before it) had its chance to be delivered too.
    expect(await delivered(user.instance.id, team, [envelope.event_id, after as string])).toEqual([
      envelope.event_id,
      after,
    ]);
    expect((await outboxRows(user.instance.id)).map((row) => row.event_id)).toEqual([
      envelope.event_id,
      after,
    ]);
  });

  it("keeps events while no machine is ready and delivers them, in order, the moment one is", async () => {
    const { user, team, machine } = await connectedInstanceNotReady("outbox-wait");
    const ids = await postEvents(team, 3);
    const waiting = await eventually("a failed attempt", async () => {
      const status = await outboxStatus(user.instance.id);
      return status.lastError ? status : undefined;
    });
    expect(waiting.depth).toBe(3);
    expect(waiting.lastError).toMatch(/^Waiting for a ready machine: .*starting/);
    // The Machines page says so next to Rebuild, with the reason, until they are delivered.
    const machines = `/instances/${user.instance.id}/machines`;
    const page = await browserFor(user).page(machines);
    expect(page).toContain('data-slack-waiting="3"');
    expect(page).toContain("3 Slack events are waiting to reach this machine");
    expect(page).toContain("Waiting for a ready machine: The instance&#39;s machine is starting");
    // Push the backoff retry far out: only the workflow's `activate` can deliver them in time.
    const stub = instanceObject(env, user.instance.id);
    const farOut = Date.now() + 10 * 60 * 1000;
    await runInDurableObject(stub, (_do: InstanceDO, state) => state.storage.setAlarm(farOut));
    await deliverPing(machine.id);
    await machineInStatus(machine.id, "ready");
    expect(await delivered(user.instance.id, team, ids, 10_000)).toEqual(ids);
    expect(
      await runInDurableObject(stub, (_do: InstanceDO, state) => state.storage.getAlarm()),
    ).toBe(farOut);
    await queueEmpty(user.instance.id);
    expect(await browserFor(user).page(`${machines}/panel`)).not.toContain("data-slack-waiting");
  });

  it("records a redelivered event once when its first 200 was lost (the daemon dedupes)", async () => {
    const { user, team } = await connectedInstance("outbox-lost-ack");
    const ids = await postEvents(team, 2);
    expect(await delivered(user.instance.id, team, ids)).toEqual(ids);
    // As if the Durable Object had died between the daemon's 200 and marking the rows delivered.
    const stub = instanceObject(env, user.instance.id);
    await runInDurableObject(stub, (_do: InstanceDO, state) => {
      state.storage.sql.exec(
        "UPDATE slack_outbox SET delivered_at = NULL, outcome = NULL, payload = ? WHERE event_id = ?",
        JSON.stringify(messageEnvelope(team, ids[0] as string)),
        ids[0],
      );
    });
    await stub.machineReady(user.instance.id);
    await eventually("the redelivery", async () =>
      (await outboxStatus(user.instance.id)).depth === 0 ? true : undefined,
    );
    const rows = await outboxRows(user.instance.id);
    expect(rows.every((row) => row.outcome === "delivered")).toBe(true);
    expect(await recordedIds(user.instance.id, team)).toEqual(ids);
  });

  it("sets a backoff alarm after a failed attempt and says why in words", async () => {
    const { user, team } = await connectedInstanceNotReady("outbox-backoff");
    await postEvents(team, 1);
    const status = await eventually("a failed attempt", async () => {
      const s = await outboxStatus(user.instance.id);
      return s.lastError ? s : undefined;
    });
    expect(status.lastErrorAt).not.toBeNull();
    const alarm = await runInDurableObject(instanceObject(env, user.instance.id), (_do, state) =>
      state.storage.getAlarm(),
    );
    expect(alarm).not.toBeNull();
    expect(alarm as number).toBeLessThanOrEqual(Date.now() + 30_000);
  });

  it("drops an event the daemon refuses (400), shows why, and delivers the ones behind it", async () => {
    const { user, team } = await connectedInstance("outbox-refused");
    await instanceObject(env, user.instance.id).enqueueSlackEvent(user.instance.id, {
      eventId: uniqueEventId(),
      teamId: team,
      payload: JSON.stringify({ type: "event_callback", team_id: team }),
    });
    const ids = await postEvents(team, 2);
    expect(await delivered(user.instance.id, team, ids)).toEqual(ids);
    const status = await queueEmpty(user.instance.id);
    expect(status.lastError).toMatch(/answered 400 validation_failed.*dropped/);
    const rows = await outboxRows(user.instance.id);
    expect(rows.map((row) => row.outcome)).toEqual(["rejected", "delivered", "delivered"]);
  });

  it("remembers delivered event ids for an hour, then forgets them (the daemon still dedupes)", async () => {
    const { user, team } = await connectedInstance("outbox-retention");
    const envelope = messageEnvelope(team, uniqueEventId());
    await postEvent(envelope);
    await delivered(user.instance.id, team, [envelope.event_id]);
    const stub = instanceObject(env, user.instance.id);
    // Within the window: Slack's retry is dropped at the outbox.
    await postEvent(envelope, { extraHeaders: { "x-slack-retry-num": "1" } });
    expect((await outboxRows(user.instance.id)).map((row) => row.event_id)).toEqual([
      envelope.event_id,
    ]);
    // An hour later the id is pruned after the next delivery run…
    await runInDurableObject(stub, (_do: InstanceDO, state) => {
      state.storage.sql.exec(
        "UPDATE slack_outbox SET delivered_at = ?",
        Date.now() - DELIVERED_RETENTION_MS - 1000,
      );
    });
    const [later] = await postEvents(team, 1);
    await eventually("the old id pruned", async () => {
      const rows = await outboxRows(user.instance.id);
      return rows.length === 1 && rows[0]?.event_id === later ? rows : undefined;
    });
    // …so a very late replay is delivered again, and the daemon answers it as a duplicate.
    await postEvent(envelope, { extraHeaders: { "x-slack-retry-num": "3" } });
    await eventually("the replay delivered", async () => {
      const rows = await outboxRows(user.instance.id);
      return rows.length === 2 && rows.every((row) => row.delivered_at !== null) ? rows : undefined;
    });
    expect(await recordedIds(user.instance.id, team)).toEqual([envelope.event_id, later]);
  });

  it("stores and forwards the envelope without Slack's verification token", async () => {
    const { user, team } = await connectedInstanceNotReady("outbox-token");
    const envelope = messageEnvelope(team, uniqueEventId());
    await postEvent(envelope);
    // Still waiting for the machine, so the stored payload is what will be forwarded.
    const [payload] = await runInDurableObject(
      instanceObject(env, user.instance.id),
      (_do: InstanceDO, state) =>
        state.storage.sql
          .exec<{ payload: string }>("SELECT payload FROM slack_outbox")
          .toArray()
          .map((row) => row.payload),
    );
    const forwarded = JSON.parse(payload as string) as Record<string, unknown>;
    expect(forwarded).toMatchObject({ event_id: envelope.event_id, api_app_id: "A0TEST" });
    expect(forwarded).not.toHaveProperty("token");
    expect(payload).not.toContain("legacy-verification-token");
  });
});

describe("the Slack page", () => {
  it("shows how many events wait and the last delivery error in words", async () => {
    const { user, team } = await connectedInstanceNotReady("outbox-page");
    await postEvents(team, 2);
    await eventually("a failed attempt", async () =>
      (await outboxStatus(user.instance.id)).lastError ? true : undefined,
    );
    const html = await browserFor(user).page(`/instances/${user.instance.id}/slack`);
    expect(html).toMatch(/data-testid="outbox-depth"[^>]*>2 waiting</);
    expect(html).toMatch(/Last delivery error: Waiting for a ready machine/);
  });
});
