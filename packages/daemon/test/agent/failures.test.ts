import { symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentMachine,
  MENTION,
  startAgentMachine,
  threadPath,
} from "./support/agent-machine.ts";
import { toolResults } from "./support/fake-openai.ts";
import type { FakeMessage } from "./support/fake-slack.ts";

describe("runs that go wrong end in words, never in silence", () => {
  let m: AgentMachine;
  beforeAll(async () => {
    m = await startAgentMachine();
  });
  afterAll(() => m.stop());

  /** Asks in a fresh thread and resolves once the run has ended (✅ or ❌). */
  async function ask(
    channel: string,
    text: string,
  ): Promise<{ asked: FakeMessage; status: string; reaction: string }> {
    const asked = m.slack.say({ channel, user: "U0000ALICE", text: `${MENTION} ${text}` });
    await m.deliver(asked);
    const reaction = await m.slack.waitForRunEnd(asked);
    const status = m.slack
      .replies(channel, asked.ts)
      .find((msg) => msg.metadata?.event_type === "iterate_agent_status");
    return { asked, status: status?.text ?? "", reaction: reaction.name };
  }

  it("LLM not configured (the proxy's 503 llm_not_configured): ❌ and the reason in the thread", async () => {
    m.llm.refuse({
      status: 503,
      code: "llm_not_configured",
      message:
        "The platform has no LLM provider key (OPENAI_API_KEY); ask its operator to set one.",
    });
    const { asked, status, reaction } = await ask("C0000F503", "hello");
    m.llm.refuse(null);
    expect(reaction).toBe("x");
    expect(status).toMatch(
      /^:x: The LLM is not configured: The platform has no LLM provider key \(OPENAI_API_KEY\); ask its operator to set one\. · <.*\|View session>$/,
    );
    const items = await m.items(threadPath(asked));
    expect(items.find((i) => i.type === "run_finished")).toMatchObject({
      outcome: "failed",
      error: { code: "llm_not_configured" },
    });
  });

  it("budget spent (the proxy's 429 budget_exceeded): ❌ with the proxy's message", async () => {
    m.llm.refuse({
      status: 429,
      code: "budget_exceeded",
      message: "This instance has used 1,000,000 of its 1,000,000 LLM tokens for today (UTC).",
    });
    const before = m.llm.requests.length;
    const { asked, status, reaction } = await ask("C0000F429", "hello");
    m.llm.refuse(null);
    expect(reaction).toBe("x");
    expect(status).toContain(
      ":x: The LLM budget is used up: This instance has used 1,000,000 of its 1,000,000 LLM tokens for today (UTC).",
    );
    const items = await m.items(threadPath(asked));
    expect(items.find((i) => i.type === "run_finished")).toMatchObject({
      error: { code: "budget_exceeded" },
    });
    // No client-side retries (a 429 with the SDK's default would be tried 3 times).
    expect(m.llm.requests.length - before).toBe(1);
  });

  it("the model's own error: ❌ saying what it answered", async () => {
    const before = m.llm.requests.length;
    m.llm.respond(() => ({
      status: 500,
      code: "upstream_error",
      message: "The LLM provider could not be reached.",
    }));
    const { status, reaction } = await ask("C0000F500", "hello");
    expect(reaction).toBe("x");
    expect(status).toContain(":x: The model answered 500: The LLM provider could not be reached.");
    expect(m.llm.requests.length - before).toBe(1); // not retried
  });

  it("a path escape (.. and a symlink out) is an error the model reads, and the run goes on", async () => {
    await symlink("/etc", join(m.workspace, "etc-link"));
    m.llm.respond((req) => {
      const results = toolResults(req);
      if (results.length === 0)
        return { toolCalls: [{ name: "read_file", args: { path: "../../../etc/hostname" } }] };
      if (results.length === 1)
        return { toolCalls: [{ name: "read_file", args: { path: "etc-link/hostname" } }] };
      if (results.length === 2)
        return {
          toolCalls: [{ name: "write_file", args: { path: "etc-link/evil", content: "x" } }],
        };
      return { text: "I can only work inside the workspace." };
    });
    const { asked, reaction } = await ask("C0000FESC", "read /etc/hostname");
    expect(reaction).toBe("white_check_mark");
    const results = (await m.items(threadPath(asked))).filter((i) => i.type === "tool_result");
    expect(results.map((r) => r.isError)).toEqual([true, true, true]);
    expect(results[0]?.output).toMatch(/^\.\.\/\.\.\/\.\.\/etc\/hostname is outside the workspace/);
    expect(results[1]?.output).toMatch(
      /^etc-link\/hostname resolves through a symlink to \/etc\/hostname, outside the workspace/,
    );
    expect(results[2]?.output).toMatch(
      /^etc-link\/evil resolves through a symlink to \/etc\/evil, outside the workspace/,
    );
  });

  it("a command time-out is reported to the model (output so far included), and the run goes on", async () => {
    m.llm.respond((req) =>
      toolResults(req).length === 0
        ? {
            toolCalls: [
              {
                name: "run_command",
                args: { command: "echo started; sleep 30", timeout_seconds: 1 },
              },
            ],
          }
        : { text: "The command hung; I stopped it." },
    );
    const started = performance.now();
    const { asked, reaction } = await ask("C0000FTMO", "run the slow thing");
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(reaction).toBe("white_check_mark");
    const result = (await m.items(threadPath(asked))).find((i) => i.type === "tool_result");
    expect(result).toMatchObject({ name: "run_command", isError: true });
    expect(result?.output).toMatch(
      /^command timed out after 1 s and was killed;.*\noutput before the time-out:\nstarted\n/s,
    );
  });

  it("the step limit (agents.maxTurns) ends a looping run with ❌ and the limit in words", async () => {
    await writeFile(
      join(m.workspace, "iterate.config.json"),
      JSON.stringify({ agents: { maxTurns: 3 } }),
    );
    const before = m.llm.requests.length;
    m.llm.respond(() => ({ toolCalls: [{ name: "list_files", args: {} }] }));
    const { asked, status, reaction } = await ask("C0000FLIM", "loop forever");
    await writeFile(join(m.workspace, "iterate.config.json"), "{}");
    expect(reaction).toBe("x");
    expect(status).toContain(
      ":x: Stopped after 3 tool calls, the limit for one request (agents.maxTurns in iterate.config.json).",
    );
    const items = await m.items(threadPath(asked));
    const results = items.filter((i) => i.type === "tool_result");
    expect(results.map((r) => r.isError)).toEqual([false, false, false, true]);
    expect(results[3]?.output).toContain("Stopped after 3 tool calls");
    expect(items.find((i) => i.type === "run_finished")).toMatchObject({
      outcome: "failed",
      error: { code: "step_limit" },
      toolCalls: 4,
    });
    // Four model turns asked for tools; no fifth request was made after the limit.
    expect(m.llm.requests.length - before).toBe(4);
  });

  it("an answer Slack refuses to post: ❌ and the status says so, not ✅ Done", async () => {
    m.llm.respond(async () => {
      // The status line is up; the next chat.postMessage is the answer, and Slack fails it.
      await m.slack.waitFor(() =>
        m.slack.messages.some(
          (msg) =>
            msg.channel === "C0000FPOST" && msg.metadata?.event_type === "iterate_agent_status",
        ),
      );
      m.slack.failNext("chat.postMessage", "internal_error");
      return { text: "Here is the answer." };
    });
    const { status, reaction } = await ask("C0000FPOST", "tell me");
    expect(reaction).toBe("x");
    expect(status).toMatch(
      /^:x: I finished, but Slack refused a part of my answer; the session has all of it · <.*\|View session>$/,
    );
  });

  it("a long answer is split into several thread messages under Slack's limit", async () => {
    const paragraph = `${"word ".repeat(150).trim()}.`;
    const long = Array.from({ length: 8 }, (_, i) => `Paragraph ${i + 1}: ${paragraph}`).join(
      "\n\n",
    );
    m.llm.respond(() => ({ text: long, chunks: 40 }));
    const { asked, reaction } = await ask("C0000FLNG", "write a lot");
    expect(reaction).toBe("white_check_mark");
    const parts = m.slack
      .replies("C0000FLNG", asked.ts)
      .filter((msg) => msg.metadata?.event_type === "iterate_agent_answer");
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.text.length).toBeLessThanOrEqual(3500);
    expect(parts.map((p) => p.text).join("\n\n")).toBe(long);
  });
});
