import { describe, expect, it } from "vitest";
import { MENTION, threadPath } from "./support/agent-machine.ts";
import { machinesPerTest } from "./support/machines-per-test.ts";

// Slack messages a daemon recorded but did not take: taken by the next one, or by the twin
// event that says what the first could not; and what it left stays left.
describe("messages no run took", () => {
  const pool = machinesPerTest();

  it("on restart, takes a recent Slack message that was recorded but never taken", async () => {
    const m = await pool.start();
    m.llm.respond(() => ({ text: "Sorry for the wait." }));
    // A machine that cannot answer Slack yet (its env has no Slack URL) records the message.
    expect((await m.pushInstanceEnv({ SLACK_API_URL: "" })).status).toBe(200);
    const asked = m.slack.say({ channel: "C0000LATE", user: "U0000ALICE", text: `${MENTION} hi` });
    await m.deliver(asked);
    await m.waitForItem(threadPath(asked), "slack_event");
    expect(m.llm.requests).toHaveLength(0);
    // Slack is set up again and the daemon restarts: the message is taken after all.
    expect((await m.pushInstanceEnv()).status).toBe(200);
    await m.restart();
    await m.slack.waitForReaction(asked);
    expect(m.llm.requests).toHaveLength(1);
    expect(m.daemon.output()).toContain(
      "0 interrupted run(s) recorded, 1 recent Slack event(s) handed on again",
    );
  });

  it("on restart, does not take again a reply it left, even in a thread it has since joined", async () => {
    const slack = await pool.slack();
    const root = slack.say({ channel: "C0000LEFT", user: "U0000CAROL", text: "lunch?" });
    const m = await pool.start({ slack });
    m.llm.respond(() => ({ text: "Noted." }));
    // Bob's reply in a thread without the bot is left (Slack says the bot is not there)...
    const bob = slack.say({
      channel: "C0000LEFT",
      user: "U0000BOB",
      text: "pizza please",
      thread_ts: root.ts,
    });
    await m.deliver(bob, "message");
    await slack.waitFor(() => slack?.calls.some((c) => c.method === "conversations.replies"));
    // ...then Alice brings the bot in, and it answers her (Bob's reply restored as history).
    const alice = slack.say({
      channel: "C0000LEFT",
      user: "U0000ALICE",
      text: `${MENTION} what do we order?`,
      thread_ts: root.ts,
    });
    await m.deliver(alice);
    await slack.waitForReaction(alice);
    await m.restart();
    await m.daemon.waitForOutput(/start-up recovery done/);
    expect(m.daemon.output()).toContain(
      "0 interrupted run(s) recorded, 0 recent Slack event(s) handed on again",
    );
    expect(m.llm.requests).toHaveLength(1);
  });

  it("answers a mention whose message twin came first while the bot's identity was unknown", async () => {
    const m = await pool.start();
    m.llm.respond(() => ({ text: "Here." }));
    m.slack.failNext("auth.test", "internal_error");
    const asked = m.slack.say({ channel: "C0000TWIN", user: "U0000ALICE", text: `${MENTION} hi` });
    // Slack sends both events for a mention, in either order: the message first, here, and
    // the daemon cannot tell it is meant (auth.test failed), so it leaves it.
    await m.deliver(asked, "message");
    await m.slack.waitFor(() => m.slack.calls.some((c) => c.method === "auth.test"));
    await m.deliver(asked, "app_mention");
    await m.slack.waitForReaction(asked);
    expect(m.llm.requests).toHaveLength(1);
  });
});
