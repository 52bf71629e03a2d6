/**
 * Slack events end to end: the real worker, real local-sandbox, real daemons, the fake Slack for
 * the install. Events signed as Slack signs them go through `POST /edge/slack/events`, the
 * instance's outbox and the daemon's `POST /edge/slack` into the thread's stream on the machine —
 * each once, in order, also across a rebuild, a killed daemon and a stopped one.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningPlatform, startPlatform } from "../browser/start-platform.ts";
import { type FakeSlack, startFakeSlack } from "../test-support/fake-slack.ts";
import {
  connectSlack,
  messageEnvelope,
  outboxOnPage,
  postSlackEvent,
  recordedIds,
  threadOf,
  uniqueEventId,
  uniqueTeam,
} from "./slack-support.ts";
import { eventually, isAlive, sandboxOf, signUp } from "./support.ts";

const SIGNING_SECRET = `slack-signing-${randomBytes(12).toString("hex")}`;

let platform: RunningPlatform;
let slack: FakeSlack;
beforeAll(async () => {
  slack = await startFakeSlack({ clientId: "1111.2222", clientSecret: "fake-client-secret" });
  platform = await startPlatform({
    vars: {
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_AUTHORIZE_URL: slack.authorizeUrl,
      SLACK_CLIENT_ID: slack.clientId,
      SLACK_CLIENT_SECRET: slack.clientSecret,
    },
  });
});
afterAll(async () => {
  await platform?.stop();
  await slack?.close();
});

/** A signed-up user with a ready machine and a freshly connected Slack team. */
async function connected(label: string) {
  const user = await signUp(platform, label);
  const machine = await user.ready();
  const team = uniqueTeam();
  await connectSlack(platform, user, team);
  return { user, machine, team };
}

/** Sends `count` fresh events one after another, each acknowledged 200; returns their ids. */
async function send(team: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = uniqueEventId();
    const res = await postSlackEvent(platform, SIGNING_SECRET, messageEnvelope(team, id));
    expect(res.status).toBe(200);
    ids.push(id);
  }
  return ids;
}

/** What the machine's daemon holds in the team's thread once it holds at least `count` events. */
function recorded(machineId: string, team: string, count: number, timeoutMs = 30_000) {
  return eventually(
    `${count} events on ${machineId}`,
    async () => {
      const ids = await recordedIds(platform, machineId, threadOf(team));
      return ids.length >= count ? ids : undefined;
    },
    timeoutMs,
  );
}

describe("Slack events end to end", () => {
  it("answers url_verification and refuses a forged signature and a stale timestamp", async () => {
    const verify = await postSlackEvent(platform, SIGNING_SECRET, {
      type: "url_verification",
      challenge: "e2e-challenge",
    });
    expect(await verify.json()).toEqual({ challenge: "e2e-challenge" });
    const forged = await postSlackEvent(platform, "not-the-secret", {
      type: "url_verification",
      challenge: "x",
    });
    expect(forged.status).toBe(401);
    const stale = await postSlackEvent(
      platform,
      SIGNING_SECRET,
      { type: "url_verification", challenge: "x" },
      { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 },
    );
    expect(stale.status).toBe(401);
  });

  it("install → events → the daemon's stream has each once, in order; a retried event once", async () => {
    const { machine, team } = await connected("e2e-slack-order");
    const first = await send(team, 3);
    const retried = messageEnvelope(team, uniqueEventId());
    expect((await postSlackEvent(platform, SIGNING_SECRET, retried)).status).toBe(200);
    const again = await postSlackEvent(platform, SIGNING_SECRET, retried, {
      headers: { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" },
    });
    expect(again.status).toBe(200);
    const last = await send(team, 2);
    const expected = [...first, retried.event_id, ...last];
    expect(await recorded(machine.id, team, expected.length)).toEqual(expected);
  });

  it("ten events sent during a rebuild all reach the new machine once ready, in order, each once", async () => {
    const { user, machine: old, team } = await connected("e2e-slack-rebuild");
    const before = await send(team, 1);
    expect(await recorded(old.id, team, 1)).toEqual(before);

    expect((await user.api("POST", "/machines/rebuild")).status).toBe(202);
    const during = await send(team, 10);
    const next = await user.ready(old.id);
    expect(next.id).not.toBe(old.id);
    expect(await recorded(next.id, team, 10)).toEqual(during);
    expect((await outboxOnPage(platform, user)).depth).toBe("Nothing waiting");
  });

  it("ten events sent while the daemon is killed wait, then reach the rebuilt machine in order, each once", async () => {
    const { user, machine: old, team } = await connected("e2e-slack-kill");
    const sandbox = await sandboxOf(platform, old.id);
    if (!sandbox) throw new Error("no sandbox for the machine");
    process.kill(sandbox.pid, "SIGKILL");
    await eventually("the daemon to die", async () =>
      (await isAlive(sandbox.pid)) ? undefined : true,
    );

    const during = await send(team, 10);
    const waiting = await eventually("the outbox to report the dead machine", async () => {
      const outbox = await outboxOnPage(platform, user);
      return outbox.lastError ? outbox : undefined;
    });
    expect(waiting.depth).toBe("10 waiting");
    expect(waiting.lastError).toMatch(/could not be reached|did not answer|answered 5\d\d/);

    // local-sandbox does not restart a dead daemon: a rebuild is how the machine comes back.
    expect((await user.api("POST", "/machines/rebuild")).status).toBe(202);
    const next = await user.ready(old.id);
    expect(await recorded(next.id, team, 10)).toEqual(during);
  });

  it("ten events sent while the daemon is stopped (past the delivery time-out) are delivered once it continues, each once", async () => {
    const { user, machine, team } = await connected("e2e-slack-stop");
    const sandbox = await sandboxOf(platform, machine.id);
    if (!sandbox) throw new Error("no sandbox for the machine");
    process.kill(sandbox.pid, "SIGSTOP");
    let during: string[];
    try {
      during = await send(team, 10);
      // Until the outbox's 10 s time-out gives the first attempt up while the request sits
      // unread at the stopped daemon, and retries back off. (A delivery the daemon did process
      // but whose 200 was lost is test/slack-edge/outbox.test.ts's "first 200 was lost".)
      await eventually(
        "the outbox to give up on the stopped daemon",
        async () => ((await outboxOnPage(platform, user)).lastError ? true : undefined),
        30_000,
      );
    } finally {
      process.kill(sandbox.pid, "SIGCONT");
    }
    expect(await recorded(machine.id, team, 10, 45_000)).toEqual(during);
    // Once nothing waits, every retry has been answered: still each once.
    await eventually("the outbox to drain", async () =>
      (await outboxOnPage(platform, user)).depth === "Nothing waiting" ? true : undefined,
    );
    expect(await recordedIds(platform, machine.id, threadOf(team))).toEqual(during);
  }, 90_000);
});
