import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentMachine,
  MENTION,
  nth,
  startAgentMachine,
  threadPath,
} from "./support/agent-machine.ts";
import { eventually } from "./support/eventually.ts";
import { contentText, lastUserText, toolResults } from "./support/fake-openai.ts";

describe("sessions run side by side", () => {
  let m: AgentMachine;
  beforeAll(async () => {
    m = await startAgentMachine();
  });
  afterAll(() => m.stop());

  it("answers two threads at once: both model requests are in flight together", async () => {
    const inFlight = (word: string) => m.llm.requests.some((r) => lastUserText(r).includes(word));
    m.llm.respond(async (req) => {
      const mine = lastUserText(req);
      // Each thread's reply waits until the other thread's request has arrived too: one
      // thread waiting for the other to finish would never get its answer.
      const other = mine.includes("alpha") ? "beta" : "alpha";
      await eventually(() => inFlight(other), { timeoutMs: 10_000 });
      return { text: `answer to ${mine.includes("alpha") ? "alpha" : "beta"}` };
    });
    const a = m.slack.say({
      channel: "C0000CONC",
      user: "U0000ALICE",
      text: `${MENTION} alpha question`,
    });
    const b = m.slack.say({
      channel: "C0000CONC",
      user: "U0000BOB",
      text: `${MENTION} beta question`,
    });
    await Promise.all([m.deliver(a), m.deliver(b)]);
    for (const [asked, word] of [
      [a, "alpha"],
      [b, "beta"],
    ] as const) {
      await m.slack.waitForReaction(asked);
      const texts = m.slack.replies("C0000CONC", asked.ts).map((msg) => msg.text);
      expect(texts).toContain(`answer to ${word}`);
    }
  });

  it("steers a busy thread: the second message reaches the running agent after its current step, one run answers both", async () => {
    m.llm.respond((req) => {
      if (toolResults(req).length === 0)
        return { toolCalls: [{ name: "run_command", args: { command: "sleep 2; echo built" } }] };
      const users = req.body.messages
        .filter((msg) => msg.role === "user")
        .map((msg) => contentText(msg.content));
      return { text: `Handled: ${users.map((u) => u.replace(/^<@\w+>: /, "")).join(" | ")}` };
    });
    const first = m.slack.say({
      channel: "C0000STEER",
      user: "U0000ALICE",
      text: `${MENTION} build it`,
    });
    await m.deliver(first);
    const path = threadPath(first);
    await m.waitForItem(path, "tool_call");
    // No mention: a reply in a thread the agent works in is for the agent.
    const second = m.slack.say({
      channel: "C0000STEER",
      user: "U0000ALICE",
      text: "and use the release profile",
      thread_ts: first.ts,
    });
    const delivered = performance.now();
    await m.deliver(second, "message");
    const eyes = await m.slack.waitFor(() =>
      m.slack.calls.find(
        (c) =>
          c.method === "reactions.add" && c.args.timestamp === second.ts && c.args.name === "eyes",
      ),
    );
    expect(eyes.at - delivered).toBeLessThan(1000);

    await m.slack.waitForReaction(second);
    expect(m.slack.reactions.some((r) => r.ts === first.ts && r.name === "white_check_mark")).toBe(
      true,
    );
    const requests = m.llm.requests.filter((r) =>
      JSON.stringify(r.body.messages).includes("build it"),
    );
    // One tool turn, then one answer that saw the tool's result and the steered message.
    expect(requests).toHaveLength(2);
    const roles = nth(requests, 1).body.messages.map((msg) => msg.role);
    expect(roles.slice(-4)).toEqual(["user", "assistant", "tool", "user"]);
    expect(lastUserText(nth(requests, 1))).toBe("<@U0000ALICE>: and use the release profile");
    const answers = m.slack
      .replies("C0000STEER", first.ts)
      .filter((msg) => msg.metadata?.event_type === "iterate_agent_answer");
    expect(answers.map((msg) => msg.text)).toEqual([
      `Handled: ${MENTION} build it | and use the release profile`,
    ]);
    const items = await m.items(path);
    expect(items.filter((i) => i.type === "run_started")).toHaveLength(1);
  });

  it("takes a post once when Slack sends it as app_mention and as message", async () => {
    m.llm.respond(() => ({ text: "once" }));
    const asked = m.slack.say({
      channel: "C0000DUP",
      user: "U0000ALICE",
      text: `${MENTION} hello`,
    });
    await Promise.all([m.deliver(asked, "app_mention"), m.deliver(asked, "message")]);
    await m.slack.waitForReaction(asked);
    // (The edge may already keep one of the two; either way the agent runs once.)
    const items = await m.items(threadPath(asked));
    expect(items.filter((i) => i.type === "run_started")).toHaveLength(1);
    expect(m.slack.replies("C0000DUP", asked.ts).filter((msg) => msg.text === "once")).toHaveLength(
      1,
    );
  });

  it("leaves channel chatter and other people's threads alone", async () => {
    const before = m.llm.requests.length;
    const chatter = m.slack.say({ channel: "C0000QUIET", user: "U0000ALICE", text: "lunch?" });
    const reply = m.slack.say({
      channel: "C0000QUIET",
      user: "U0000BOB",
      text: "sure",
      thread_ts: chatter.ts,
    });
    await m.deliver(chatter, "message");
    await m.deliver(reply, "message");
    // The unknown thread was looked up in Slack (the bot is not in it) and dropped.
    await m.slack.waitFor(() =>
      m.slack.calls.find((c) => c.method === "conversations.replies" && c.args.ts === chatter.ts),
    );
    const marker = m.slack.say({
      channel: "C0000QUIET",
      user: "U0000ALICE",
      text: `${MENTION} ping`,
    });
    await m.deliver(marker);
    await m.slack.waitForReaction(marker);
    expect(m.llm.requests.length).toBe(before + 1);
    expect(m.slack.reactions.filter((r) => r.ts === chatter.ts || r.ts === reply.ts)).toEqual([]);
  });
});
