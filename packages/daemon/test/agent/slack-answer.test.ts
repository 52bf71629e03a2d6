import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentMachine,
  FAKE_LLM_KEY,
  MENTION,
  nth,
  startAgentMachine,
  threadPath,
} from "./support/agent-machine.ts";
import { lastUserText, toolResults } from "./support/fake-openai.ts";

describe("a Slack mention answered by the agent", () => {
  let m: AgentMachine;
  beforeAll(async () => {
    m = await startAgentMachine();
  });
  afterAll(() => m.stop());

  it("reacts 👀, writes the file with a tool, runs a command, answers in the thread and reacts ✅", async () => {
    m.llm.respond((req) => {
      const results = toolResults(req);
      if (results.length === 0) {
        return {
          toolCalls: [
            {
              name: "write_file",
              args: { path: "notes/hello.txt", content: "hello from the agent\n" },
            },
          ],
        };
      }
      // Slow enough (2 s) for a throttled status edit to land while it runs.
      if (results.length === 1)
        return {
          toolCalls: [
            {
              name: "run_command",
              args: { command: "sleep 2; cat notes/hello.txt && echo ITERATE=$ITERATE_MACHINE_ID" },
            },
          ],
        };
      return {
        text: `## Done\nI wrote **notes/hello.txt**; \`cat\` says: ${results[1]?.split("\n")[0]}`,
        chunkDelayMs: 5,
      };
    });
    const asked = m.slack.say({
      channel: "C0000A",
      user: "U0000ALICE",
      text: `${MENTION} please write a hello file`,
    });
    const delivered = performance.now();
    const answer = await m.deliver(asked);
    expect(answer).toMatchObject({ ok: true, duplicate: false, stream: threadPath(asked) });

    const eyes = await m.slack.waitFor(() =>
      m.slack.calls.find((c) => c.method === "reactions.add" && c.args.name === "eyes"),
    );
    expect(eyes.args).toMatchObject({ channel: "C0000A", timestamp: asked.ts });
    expect(eyes.at - delivered).toBeLessThan(1000);

    await m.slack.waitForReaction(asked);
    // The tool really wrote the file in the workspace.
    expect(await readFile(join(m.workspace, "notes/hello.txt"), "utf8")).toBe(
      "hello from the agent\n",
    );

    const thread = m.slack.replies("C0000A", asked.ts);
    const answerPost = thread.find((msg) => msg.metadata?.event_type === "iterate_agent_answer");
    // Markdown became mrkdwn: the heading a bold line, **bold** → *bold*.
    expect(answerPost?.text).toBe(
      "*Done*\nI wrote *notes/hello.txt*; `cat` says: hello from the agent",
    );
    const status = thread.find((msg) => msg.metadata?.event_type === "iterate_agent_status");
    // One status message, edited while the agent worked.
    expect(
      thread.filter((msg) => msg.metadata?.event_type === "iterate_agent_status"),
    ).toHaveLength(1);
    expect(status?.edits.some((t) => t.includes("running `sleep 2; cat notes/hello.txt"))).toBe(
      true,
    );
    expect(status?.text).toMatch(
      /^:white_check_mark: Done · 2 tool calls · .* · <http:\/\/127\.0\.0\.1:\d+\/instances\/ins_test0000000000000000\/agents\/slack%2FT0000TEST%2FC0000A%2F[\d.%]+\|View session>$/,
    );

    // The model got the Slack text as the user's message (after its author), never in the system prompt.
    const first = nth(m.llm.requests, 0);
    expect(lastUserText(first)).toBe(`<@U0000ALICE>: ${MENTION} please write a hello file`);
    const system = nth(first.body.messages, 0);
    expect(["system", "developer"]).toContain(system.role);
    expect(JSON.stringify(system.content)).not.toContain("please write a hello file");
    // The command ran with the machine env, in the workspace.
    expect(toolResults(nth(m.llm.requests, 2))[1]).toContain("ITERATE=mch_test0000000000000000");
    // The model's key is the machine env's, pushed by the platform.
    expect(first.authorization).toBe(`Bearer ${FAKE_LLM_KEY}`);
  });

  it("records the session in its stream: the event, the run, tool calls and results, the answer", async () => {
    const asked = m.slack.messages.find((msg) => msg.text.includes("hello file"));
    if (!asked) throw new Error("the first test's message is missing");
    const path = threadPath(asked);
    const items = await m.items(path);
    const types = items.map((i) => i.type);
    expect(types[0]).toBe("slack_event");
    expect(types).toContain("run_started");
    expect(items.filter((i) => i.type === "tool_call").map((i) => i.name)).toEqual([
      "write_file",
      "run_command",
    ]);
    const results = items.filter((i) => i.type === "tool_result");
    expect(results[0]).toMatchObject({
      name: "write_file",
      isError: false,
      output: "created notes/hello.txt (21 bytes)",
    });
    expect(items.filter((i) => i.type === "text_delta").length).toBeGreaterThan(0);
    // Deltas are batched, not one item per token.
    const deltas = items.filter((i) => i.type === "text_delta").length;
    const tokens = m.llm.requests.length * 10;
    expect(deltas).toBeLessThan(tokens);
    expect(items.filter((i) => i.type === "usage").length).toBe(3);
    expect(items.find((i) => i.type === "run_finished")).toMatchObject({
      outcome: "done",
      error: null,
      toolCalls: 2,
    });
    expect(items.filter((i) => i.type === "status").map((i) => i.text)).toEqual([
      "writing `notes/hello.txt`",
      "running `sleep 2; cat notes/hello.txt && echo ITERATE=$ITERATE_MACHINE_ID`",
    ]);
    expect(
      items
        .filter((i) => i.type === "slack_post")
        .map((i) => i.kind)
        .sort(),
    ).toEqual(["answer", "status"]);
  });
});
