/**
 * The events edge remembers which instance a team's events go to (per isolate, team-routes.ts);
 * these tests make that hint stale on purpose — the test's requests share the worker's isolate,
 * so the team's first event leaves its route remembered — and check that disconnecting and
 * moving a team still take effect at once, through the outbox's check at delivery.
 */
import { describe, expect, it } from "vitest";
import { createTeamRoutes, TEAM_ROUTE_TTL_MS } from "../../src/slack/team-routes.ts";
import { eventually, readyInstance } from "../machines/support.ts";
import { browserFor, connectSlack, uniqueTeam } from "../slack/support.ts";
import {
  connectedInstance,
  messageEnvelope,
  outboxStatus,
  postEvent,
  recordedIds,
  uniqueEventId,
} from "./support.ts";

async function postMessage(team: string): Promise<string> {
  const id = uniqueEventId();
  const res = await postEvent(messageEnvelope(team, id));
  expect(res.status).toBe(200);
  return id;
}

async function disconnect(user: Parameters<typeof browserFor>[0]): Promise<void> {
  const browser = browserFor(user);
  const base = `/instances/${user.instance.id}/slack`;
  await browser.page(base);
  expect((await browser.submit(`${base}/disconnect`, {})).status).toBe(303);
}

/** Resolves once nothing waits in the instance's outbox (every event delivered or dropped). */
function settled(instanceId: string) {
  return eventually("the outbox settled", async () =>
    (await outboxStatus(instanceId)).depth === 0 ? true : undefined,
  );
}

describe("Slack events after a team is disconnected or moved", () => {
  it("acknowledges (200) but never delivers an event of a team disconnected since its last one", async () => {
    const { user, team } = await connectedInstance("routes-disconnect");
    const first = await postMessage(team);
    await eventually("the first event delivered", async () =>
      (await recordedIds(user.instance.id, team)).includes(first) ? true : undefined,
    );

    await disconnect(user);
    await postMessage(team);
    await settled(user.instance.id);
    expect(await recordedIds(user.instance.id, team)).toEqual([first]);
  });

  it("delivers an event of a team reconnected to another instance to that instance's machine", async () => {
    const { user: a, team } = await connectedInstance("routes-from");
    const first = await postMessage(team);
    await eventually("the first event delivered to A", async () =>
      (await recordedIds(a.instance.id, team)).includes(first) ? true : undefined,
    );

    await disconnect(a);
    const { user: b } = await readyInstance("routes-to");
    expect((await connectSlack(b, team)).res.status).toBe(303);
    const moved = await postMessage(team);

    await eventually("the event delivered to B", async () =>
      (await recordedIds(b.instance.id, team)).includes(moved) ? true : undefined,
    );
    await settled(a.instance.id);
    expect(await recordedIds(a.instance.id, team)).toEqual([first]);
  });

  it("delivers the first event of a team connected after an earlier event of it was dropped", async () => {
    const team = uniqueTeam();
    await postMessage(team); // not connected yet: acknowledged and dropped
    const { user } = await readyInstance("routes-late");
    expect((await connectSlack(user, team)).res.status).toBe(303);
    const id = await postMessage(team);
    await eventually("the event delivered", async () =>
      (await recordedIds(user.instance.id, team)).includes(id) ? true : undefined,
    );
  });
});

describe("team routes (the edge's per-isolate hint)", () => {
  it("answers a remembered team's instance until the TTL has passed, then nothing", () => {
    let now = 1_000_000;
    const routes = createTeamRoutes({ now: () => now });
    expect(routes.get("T1")).toBeUndefined();
    routes.remember("T1", "ins_a");
    now += TEAM_ROUTE_TTL_MS - 1;
    expect(routes.get("T1")).toBe("ins_a");
    now += 1;
    expect(routes.get("T1")).toBeUndefined();
  });

  it("starts afresh rather than growing past its bound", () => {
    const routes = createTeamRoutes({ max: 2 });
    routes.remember("T1", "ins_a");
    routes.remember("T2", "ins_b");
    routes.remember("T3", "ins_c");
    expect([routes.get("T1"), routes.get("T2"), routes.get("T3")]).toEqual([
      undefined,
      undefined,
      "ins_c",
    ]);
  });
});
