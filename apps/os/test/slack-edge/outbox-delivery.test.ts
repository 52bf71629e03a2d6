import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { daemonDelivery } from "../../src/slack/outbox-delivery.ts";
import { connectedInstanceNotReady, messageEnvelope, uniqueEventId } from "./support.ts";

// What one delivery attempt reports when a step before the machine fails: the Slack page shows
// it as the queue's last error, so it must name the step, not blame the machine.

describe("an outbox delivery attempt", () => {
  it("says the hand-on failed (and retries) when the team's new instance cannot take the event", async () => {
    const { user, team } = await connectedInstanceNotReady("delivery-forward");
    const eventId = uniqueEventId();
    const event = {
      eventId,
      teamId: team,
      payload: JSON.stringify(messageEnvelope(team, eventId)),
    };
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
    const eventId = uniqueEventId();
    const event = {
      eventId,
      teamId: team,
      payload: JSON.stringify(messageEnvelope(team, eventId)),
    };
    const deliver = daemonDelivery(env, { forward: async () => {} });
    const outcome = await deliver(user.instance.id, event);
    expect(outcome).toMatchObject({
      kind: "retry",
      error: expect.stringMatching(/^Waiting for a ready machine: /),
    });
  });
});
