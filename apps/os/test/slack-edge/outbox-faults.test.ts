import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { instanceObject } from "../../src/machines/instance-do.ts";
import { MAX_EVENT_FAULTS } from "../../src/slack/delivery-outcome.ts";
import {
  attemptUntil,
  delivered,
  outboxRows,
  postEvents,
  postPoisonedEvent,
  queueEmpty,
} from "./outbox-support.ts";
import { connectedInstance } from "./support.ts";

// One event the daemon fails on (500) must not hold every later message back: after a few tries
// it is set aside, shown on the Slack page, and the queue moves on.

describe("the Slack outbox and an event the machine fails on", () => {
  it("sets aside an event the machine fails on (500) after MAX_EVENT_FAULTS tries, and delivers the ones behind it", async () => {
    const { user, team } = await connectedInstance("outbox-poison");
    await postPoisonedEvent(user.instance.id, team);
    const ids = await postEvents(team, 2);
    const rows = await attemptUntil(user.instance.id, "the failing event set aside", (now) =>
      now[0]?.outcome === "rejected" ? now : undefined,
    );
    expect(rows[0]?.attempts).toBe(MAX_EVENT_FAULTS);
    expect(await delivered(user.instance.id, team, ids)).toEqual(ids);
    const status = await queueEmpty(user.instance.id);
    expect(status.lastError).toMatch(
      new RegExp(
        `answered 500 internal_error.* ${MAX_EVENT_FAULTS} times, so the event was set aside`,
      ),
    );
    expect((await outboxRows(user.instance.id)).map((row) => row.outcome)).toEqual([
      "rejected",
      "delivered",
      "delivered",
    ]);
  });

  it("gives an event the machine failed on a fresh count of tries on a machine that just became ready", async () => {
    const { user, team } = await connectedInstance("outbox-poison-ready");
    await postPoisonedEvent(user.instance.id, team);
    await attemptUntil(user.instance.id, "two failed tries", (now) =>
      (now[0]?.attempts ?? 0) >= 2 ? now : undefined,
    );
    // What activate does once a rebuilt machine is ready: it may not have the bug.
    await instanceObject(env, user.instance.id).machineReady(user.instance.id);
    const rows = await attemptUntil(user.instance.id, "the failing event set aside", (now) =>
      now[0]?.outcome === "rejected" ? now : undefined,
    );
    // Two or more before the reset, then a whole count: without it, the 5th try overall ends it.
    expect(rows[0]?.attempts).toBeGreaterThanOrEqual(MAX_EVENT_FAULTS + 2);
  });
});
