import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { processAlive } from "../support/process-alive.ts";
import { MENTION, nth, threadPath } from "./support/agent-machine.ts";
import { eventually } from "./support/eventually.ts";
import {
  contentText,
  lastUserText,
  type RecordedChatRequest,
  toolResults,
} from "./support/fake-openai.ts";
import { machinesPerTest } from "./support/machines-per-test.ts";

/** The conversation a request carried, as `role: text` lines (system prompt left out). */
function transcript(request: RecordedChatRequest): string[] {
  return request.body.messages
    .filter((msg) => msg.role !== "system" && msg.role !== "developer")
    .map((msg) => `${msg.role}: ${contentText(msg.content)}`);
}

describe("a thread's memory", () => {
  const pool = machinesPerTest();

  it("survives a daemon restart: the next model request carries the earlier turns", async () => {
    const m = await pool.start();
    m.llm.respond((req) => ({
      text: lastUserText(req).includes("colour") ? "Blue, noted." : "You said blue.",
    }));
    const first = m.slack.say({
      channel: "C0000MEM",
      user: "U0000ALICE",
      text: `${MENTION} my favourite colour is blue`,
    });
    await m.deliver(first);
    await m.slack.waitForReaction(first);

    await m.restart();
    const second = m.slack.say({
      channel: "C0000MEM",
      user: "U0000ALICE",
      text: "what did I say?",
      thread_ts: first.ts,
    });
    await m.deliver(second, "message");
    await m.slack.waitForReaction(second);
    expect(transcript(nth(m.llm.requests, 1))).toEqual([
      `user: <@U0000ALICE>: ${MENTION} my favourite colour is blue`,
      "assistant: Blue, noted.",
      "user: <@U0000ALICE>: what did I say?",
    ]);
    // The restarted daemon read the thread from its own stream, not from Slack.
    expect(m.slack.calls.filter((c) => c.method === "conversations.replies")).toEqual([]);
  });

  it("after a SIGKILL mid-run, says in the thread that the run was interrupted and continues with its history", async () => {
    const m = await pool.start();
    m.llm.respond((req) =>
      toolResults(req).length === 0 && lastUserText(req).includes("deploy")
        ? { toolCalls: [{ name: "run_command", args: { command: "sleep 60" } }] }
        : { text: "Continuing where we were." },
    );
    const first = m.slack.say({
      channel: "C0000KILL",
      user: "U0000ALICE",
      text: `${MENTION} deploy it`,
    });
    await m.deliver(first);
    const path = threadPath(first);
    await m.waitForItem(path, "tool_call");

    await m.restart({ kill: true });
    // The new daemon records the cut-short run and says so where it was asked.
    await m.slack.waitForReaction(first, "x");
    const items = await m.items(path);
    expect(items.find((i) => i.type === "run_finished")).toMatchObject({
      outcome: "interrupted",
      error: { code: "interrupted" },
      toolCalls: 1,
    });
    const status = m.slack
      .replies("C0000KILL", first.ts)
      .find((msg) => msg.metadata?.event_type === "iterate_agent_status");
    expect(status?.text).toMatch(
      /^:x: The machine restarted while I was working on this; ask again to continue\. · <.*\|View session>$/,
    );

    const again = m.slack.say({
      channel: "C0000KILL",
      user: "U0000ALICE",
      text: "try again",
      thread_ts: first.ts,
    });
    await m.deliver(again, "message");
    await m.slack.waitForReaction(again);
    const lines = transcript(nth(m.llm.requests, -1));
    expect(lines[0]).toBe(`user: <@U0000ALICE>: ${MENTION} deploy it`);
    expect(lines[1]).toBe("assistant: "); // the tool call's turn
    expect(lines.at(-1)).toBe("user: <@U0000ALICE>: try again");
  });

  it("after a SIGKILL while the answer was being posted, the run is interrupted, not done with its answer lost", async () => {
    const m = await pool.start();
    let answerHeld = () => false;
    m.llm.respond(async () => {
      // The status line is up; the next chat.postMessage is the answer, and it never returns.
      await m.slack.waitFor(() =>
        m.slack.messages.some((msg) => msg.metadata?.event_type === "iterate_agent_status"),
      );
      answerHeld = m.slack.holdNext("chat.postMessage").held;
      return { text: "The answer that never arrives." };
    });
    const asked = m.slack.say({ channel: "C0000POST", user: "U0000ALICE", text: `${MENTION} hi` });
    await m.deliver(asked);
    await m.slack.waitFor(() => answerHeld());
    // Everything the run did is on disk (its usage is the last item before run_finished).
    await m.waitForItem(threadPath(asked), "usage");
    await m.restart({ kill: true });
    // Recorded as unfinished, the run is found on restart and the thread told.
    await m.slack.waitForReaction(asked, "x");
    const items = await m.items(threadPath(asked));
    expect(items.filter((i) => i.type === "run_finished")).toEqual([
      expect.objectContaining({ outcome: "interrupted" }),
    ]);
  });

  it("on SIGTERM mid-run, stops the run, records it as interrupted and says so before exiting", async () => {
    const m = await pool.start();
    m.llm.respond(() => ({ toolCalls: [{ name: "run_command", args: { command: "sleep 60" } }] }));
    const asked = m.slack.say({
      channel: "C0000TERM",
      user: "U0000ALICE",
      text: `${MENTION} long job`,
    });
    await m.deliver(asked);
    const path = threadPath(asked);
    await m.waitForItem(path, "tool_call");
    const stopping = performance.now();
    await m.restart();
    expect(performance.now() - stopping).toBeLessThan(10_000);
    expect(m.slack.reactions.some((r) => r.ts === asked.ts && r.name === "x")).toBe(true);
    const items = await m.items(path);
    expect(items.filter((i) => i.type === "run_finished")).toEqual([
      expect.objectContaining({
        outcome: "interrupted",
        error: {
          code: "interrupted",
          message: "The machine is restarting; ask again once it is back.",
        },
      }),
    ]);
  });

  it("on SIGTERM, ends what an agent's command left running in the background", async () => {
    const m = await pool.start();
    m.llm.respond((req) =>
      toolResults(req).length === 0
        ? {
            toolCalls: [
              {
                name: "run_command",
                args: { command: "sleep 300 >/dev/null 2>&1 & echo $! > bg.pid" },
              },
            ],
          }
        : { text: "Started it in the background." },
    );
    const asked = m.slack.say({ channel: "C0000BG", user: "U0000ALICE", text: `${MENTION} go` });
    await m.deliver(asked);
    await m.slack.waitForReaction(asked);
    const pid = Number(await readFile(join(m.workspace, "bg.pid"), "utf8"));
    expect(processAlive(pid)).toBe(true);
    await m.restart();
    await eventually(() => !processAlive(pid));
  });

  it("after a rebuild (an empty machine), restores a thread from conversations.replies before answering", async () => {
    const slack = await pool.slack();
    const root = slack.say({
      channel: "C0000REB",
      user: "U0000ALICE",
      text: `${MENTION} which port does the api use?`,
    });
    slack.sayAsBot({
      channel: "C0000REB",
      thread_ts: root.ts,
      text: ":white_check_mark: Done · 1 tool call · 2.0 s",
      metadata: { event_type: "iterate_agent_status" },
    });
    slack.sayAsBot({
      channel: "C0000REB",
      thread_ts: root.ts,
      text: "It listens on *8080*.",
      metadata: { event_type: "iterate_agent_answer" },
    });
    // The old machine is gone; a new one (fresh HOME, no streams) gets the next reply — no mention.
    const m = await pool.start({ slack });
    m.llm.respond(() => ({ text: "Change it in config/api.json." }));
    const reply = slack.say({
      channel: "C0000REB",
      user: "U0000ALICE",
      text: "how do I change it?",
      thread_ts: root.ts,
    });
    await m.deliver(reply, "message");
    await slack.waitForReaction(reply);

    expect(slack.calls.find((c) => c.method === "conversations.replies")?.args).toMatchObject({
      channel: "C0000REB",
      ts: root.ts,
    });
    expect(transcript(nth(m.llm.requests, 0))).toEqual([
      `user: <@U0000ALICE>: ${MENTION} which port does the api use?`,
      "assistant: It listens on *8080*.", // the status line is not part of the conversation
      "user: <@U0000ALICE>: how do I change it?",
    ]);
    const items = await m.items(threadPath(reply));
    expect(items.find((i) => i.type === "history_restored")).toMatchObject({
      source: "slack",
      messages: 2,
    });
    expect(items.filter((i) => i.type === "message" && i.restored === true)).toHaveLength(2);
  });

  it("after a rebuild, a failed read of the thread or of the bot's identity does not make the thread someone else's", async () => {
    const slack = await pool.slack();
    const root = slack.say({ channel: "C0000RFL", user: "U0000ALICE", text: `${MENTION} hi` });
    slack.sayAsBot({ channel: "C0000RFL", thread_ts: root.ts, text: "Hello." });
    const m = await pool.start({ slack });
    m.llm.respond(() => ({ text: "Answered now." }));
    const reply = (text: string) =>
      slack.say({
        channel: "C0000RFL",
        user: "U0000ALICE",
        text,
        thread_ts: root.ts,
      });
    const historyReads = () =>
      slack.calls.filter((c) => c.method === "conversations.replies").length;

    // Slack cannot say who the bot is, then cannot give the thread: neither reply is taken,
    // and neither makes the thread another's for five minutes — each next reply asks again.
    slack.failNext("auth.test", "internal_error", 2); // the handler asks, then the history read
    await m.deliver(reply("are you there?"), "message");
    await slack.waitFor(() => historyReads() === 1);
    slack.failNext("conversations.replies", "internal_error");
    await m.deliver(reply("hello?"), "message");
    await slack.waitFor(() => historyReads() === 2);
    const third = reply("anyone?");
    await m.deliver(third, "message");
    await slack.waitForReaction(third);
    expect(historyReads()).toBe(3);
    expect(lastUserText(nth(m.llm.requests, -1))).toContain("anyone?");
  });
});
