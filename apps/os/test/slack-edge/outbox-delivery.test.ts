import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { findMachine } from "../../src/db/machines.ts";
import { machines } from "../../src/db/schema.ts";
import { SANDBOX_MISSING_ERROR } from "../../src/machines/machine-health.ts";
import { daemonDelivery } from "../../src/slack/outbox-delivery.ts";
import {
  currentMachine,
  db,
  deliverPing,
  localSandbox,
  machineInStatus,
  machinesContext,
  rebuild,
} from "../machines/support.ts";
import { delivered, postEvents } from "./outbox-support.ts";
import {
  connectedInstance,
  connectedInstanceNotReady,
  messageEnvelope,
  outboxStatus,
  uniqueEventId,
} from "./support.ts";

// What one delivery attempt reports when a step before the machine fails: the Slack page shows
// it as the queue's last error, so it must name the step, not blame the machine.

describe("an outbox delivery attempt", () => {
  it("says the hand-on failed (and retries) when the team's new instance cannot take the event", async () => {
    const { user, team } = await connectedInstanceNotReady("delivery-forward");
    const event = storedEvent(team);
    const forwarded: string[] = [];
    const deliver = daemonDelivery(env, {
      forward: async (instanceId) => {
        forwarded.push(instanceId);
        throw new Error("the Durable Object is down");
      },
    });
    // Queued at an instance the team has left: it belongs to the user's instance now.
    const outcome = await deliver("ins_00000000000000000000", event);
    expect(forwarded).toEqual([user.instance.id]);
    expect(outcome).toEqual({
      kind: "retry",
      error: `The event could not be handed on to ${user.instance.id}, where team ${team} is connected now; retrying.`,
    });
  });

  it("waits, in words, while the instance's machine is not ready", async () => {
    const { user, team } = await connectedInstanceNotReady("delivery-waiting");
    const event = storedEvent(team);
    const deliver = daemonDelivery(env, { forward: async () => {} });
    const outcome = await deliver(user.instance.id, event);
    expect(outcome).toMatchObject({
      kind: "retry",
      error: expect.stringMatching(/^Waiting for a ready machine: /),
    });
  });

  it("says what the provider reports of a ready machine's stopped sandbox, and leaves the machine to the user", async () => {
    const { user, team, machine } = await readyConnected("delivery-stopped");
    const stopped = await localSandbox(`/sandboxes/${machine.externalId}/stop`, { method: "POST" });
    expect(stopped.status).toBe(200);
    const event = storedEvent(team);
    const outcome = await daemonDelivery(env, { forward: async () => {} })(user.instance.id, event);
    expect(outcome).toMatchObject({
      kind: "retry",
      error: expect.stringMatching(
        /^The machine could not be reached: .* The provider reports the machine's sandbox stopped; rebuild the machine to go on\.$/,
      ),
    });
    // Its disk may still hold the instance's sessions: deleting it is the user's call.
    expect((await findMachine(db(), machine.id))?.status).toBe("ready");
  });
});

describe("an answer from the provider's proxy instead of the daemon", () => {
  it("is about the machine, not the event: a 400 without the daemon's error body is retried, never dropped", async () => {
    const { user, team, machine } = await readyConnected("delivery-proxy-400");
    // What Daytona's preview proxy answers for a sandbox that is not running.
    await db()
      .update(machines)
      .set({ daemonUrl: machinesContext().stoppedProxyUrl })
      .where(eq(machines.id, machine.id));
    const event = storedEvent(team);
    const outcome = await daemonDelivery(env, { forward: async () => {} })(user.instance.id, event);
    // The sandbox itself still runs (local-sandbox says so): nothing more is concluded.
    expect(outcome).toEqual({ kind: "retry", error: "The machine answered 400" });
    expect((await findMachine(db(), machine.id))?.status).toBe("ready");
  });
});

describe("a ready machine whose sandbox is gone", () => {
  it("is marked failed on the next delivery, and the waiting event reaches the rebuilt machine", async () => {
    const { user, team, machine } = await readyConnected("delivery-gone");
    // Deleted behind the platform's back (or lost with a local-sandbox restart).
    expect(
      (await localSandbox(`/sandboxes/${machine.externalId}`, { method: "DELETE" })).status,
    ).toBe(204);
    const ids = await postEvents(team, 1);

    const failed = await machineInStatus(machine.id, "failed");
    expect(failed.error).toBe(SANDBOX_MISSING_ERROR);
    // The event waits for the next machine (the Machines page says why this one failed).
    expect(await outboxStatus(user.instance.id)).toMatchObject({ depth: 1 });

    expect((await rebuild(user)).status).toBe(202);
    const next = await currentMachine(user.instance.id);
    await deliverPing(next.id);
    await machineInStatus(next.id, "ready");
    expect(await delivered(user.instance.id, team, ids)).toEqual(ids);
  });
});

/** A connected instance and its ready machine's row (with the sandbox's id). */
async function readyConnected(label: string) {
  const connected = await connectedInstance(label);
  const machine = await findMachine(db(), connected.machine.id);
  if (!machine?.externalId) throw new Error(`${connected.machine.id} has no sandbox id`);
  return { ...connected, machine };
}

/** One Slack message event for `team`, as the outbox stores it. */
function storedEvent(team: string) {
  const eventId = uniqueEventId();
  return { eventId, teamId: team, payload: JSON.stringify(messageEnvelope(team, eventId)) };
}
