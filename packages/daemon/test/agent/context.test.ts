import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentMachine, MENTION, nth, startAgentMachine } from "./support/agent-machine.ts";
import { contentText, type RecordedChatRequest, startFakeOpenAI } from "./support/fake-openai.ts";

function systemPrompt(request: RecordedChatRequest): string {
  const first = nth(request.body.messages, 0);
  expect(["system", "developer"]).toContain(first.role);
  return contentText(first.content);
}

describe("what the agent knows: context rules, model and env, read fresh for every run", () => {
  let m: AgentMachine;
  beforeAll(async () => {
    m = await startAgentMachine();
  });
  afterAll(() => m.stop());

  async function askAndWait(channel: string, text: string) {
    const asked = m.slack.say({ channel, user: "U0000ALICE", text: `${MENTION} ${text}` });
    await m.deliver(asked);
    await m.slack.waitForRunEnd(asked);
    return asked;
  }

  it("puts agents.systemPrompt first, then who it is and where it works, then AGENTS.md, .iterate/rules/*.md and the config's rules", async () => {
    await mkdir(join(m.workspace, ".iterate/rules"), { recursive: true });
    await mkdir(join(m.workspace, "docs"), { recursive: true });
    await writeFile(join(m.workspace, "AGENTS.md"), "Run pnpm test before you say done.");
    await writeFile(join(m.workspace, ".iterate/rules/style.md"), "Two-space indent.");
    await writeFile(join(m.workspace, "docs/extra.md"), "The API lives in apps/api.");
    await writeFile(
      join(m.workspace, "iterate.config.json"),
      JSON.stringify({
        agents: { model: "gpt-test-model", systemPrompt: "Always answer in French." },
        rules: ["docs/extra.md"],
      }),
    );
    m.llm.respond(() => ({ text: "D'accord." }));
    await askAndWait("C0000CTX1", "hello");
    const request = nth(m.llm.requests, -1);
    expect(request.body.model).toBe("gpt-test-model");
    const prompt = systemPrompt(request);
    expect(prompt.startsWith("Always answer in French.")).toBe(true);
    expect(prompt).toContain(`The repository is checked out at ${m.workspace}`);
    expect(prompt).toContain("you are <@UBOT000001>");
    const order = [
      "## AGENTS.md",
      "Run pnpm test",
      "## .iterate/rules/style.md",
      "Two-space indent.",
      "## docs/extra.md",
      "apps/api",
    ].map((s) => prompt.indexOf(s));
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // The Slack text is the user's message, not part of the instructions.
    expect(prompt).not.toContain("hello");
    expect(request.body.tools?.map((t) => t.function.name).sort()).toEqual([
      "edit_file",
      "list_files",
      "read_file",
      "run_command",
      "search",
      "write_file",
    ]);
  });

  it("re-reads the rules for the next run when the workspace changes", async () => {
    await writeFile(join(m.workspace, "AGENTS.md"), "Deploys go through make release.");
    await askAndWait("C0000CTX2", "how do we deploy?");
    const prompt = systemPrompt(nth(m.llm.requests, -1));
    expect(prompt).toContain("Deploys go through make release.");
    expect(prompt).not.toContain("Run pnpm test");
  });

  it("runs with the defaults and says why when iterate.config.json is broken", async () => {
    await writeFile(join(m.workspace, "iterate.config.json"), "{ not json");
    await askAndWait("C0000CTX3", "hi");
    const request = nth(m.llm.requests, -1);
    expect(request.body.model).toBe("gpt-5-mini");
    expect(systemPrompt(request)).toContain(
      "iterate.config.json could not be used (iterate.config.json is not valid JSON",
    );
    await writeFile(join(m.workspace, "iterate.config.json"), "{}");
  });

  it("takes a hot-reloaded env (PUT /platform/env) from the next run, without a restart", async () => {
    const other = await startFakeOpenAI();
    try {
      other.respond(() => ({ text: "from the other model" }));
      const res = await m.pushInstanceEnv({
        OPENAI_BASE_URL: other.baseUrl,
        OPENAI_API_KEY: "sk-rotated",
      });
      expect(res.status).toBe(200);
      const asked = await askAndWait("C0000CTX4", "which model?");
      expect(other.requests).toHaveLength(1);
      expect(nth(other.requests, 0).authorization).toBe("Bearer sk-rotated");
      expect(m.slack.replies("C0000CTX4", asked.ts).map((msg) => msg.text)).toContain(
        "from the other model",
      );
    } finally {
      await other.close();
    }
  });
});
