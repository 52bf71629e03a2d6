import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createMemoryStreamStore } from "@iterate/streams";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentRuntime, createAgentRuntime } from "../../src/agent/agent-runtime.ts";
import { readSessionItems } from "../../src/agent/session/session-stream.ts";
import { tempDir } from "../platform/support/temp.ts";
import { eventually } from "./support/eventually.ts";
import { contentText, type FakeOpenAI, startFakeOpenAI } from "./support/fake-openai.ts";

// A machine holds thousands of sessions for months; the runtime keeps the conversations of only
// the most recently used in memory (maxLoadedSessionBytes) and folds a dropped one again from its
// stream when it is next needed. Here the budget is one byte: every idle session is dropped as
// soon as another is used.

describe("the conversations the agent runtime keeps in memory", () => {
  const store = createMemoryStreamStore();
  let llm: FakeOpenAI;
  let agents: AgentRuntime;
  beforeAll(async () => {
    llm = await startFakeOpenAI();
    const workspaceDir = join(await tempDir("loaded-sessions-"), "workspace");
    await mkdir(workspaceDir);
    const env = {
      ITERATE_PLATFORM_URL: "https://os.example",
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_API_KEY: "sk-test",
      PATH: process.env.PATH ?? "",
    };
    agents = createAgentRuntime({
      store,
      machineEnv: { runEnv: () => ({ ...env }) },
      workspaceDir,
      log: () => {},
      maxLoadedSessionBytes: 1,
    });
  });
  afterAll(async () => {
    await agents.close();
    await llm.close();
    await store.close();
  });

  const finishedRuns = async (path: string) =>
    (await readSessionItems(store, path)).items.filter(
      (item) => (item as { type?: string }).type === "run_finished",
    ).length;
  const runs = (path: string, count: number) =>
    eventually(async () => (await finishedRuns(path)) === count);

  it("folds a dropped conversation again for the session's next run, whole and in order", async () => {
    llm.respond((req) => ({
      text: `seen ${req.body.messages.filter((m) => m.role === "user").length} message(s)`,
    }));
    const a = await agents.startWebSession({ text: "first in A" });
    await runs(a.path, 1);
    // Using B drops A's conversation (the budget is one byte).
    const b = await agents.startWebSession({ text: "first in B" });
    await runs(b.path, 1);
    await agents.sendMessage(a.path, { text: "second in A" });
    await runs(a.path, 2);
    const sent = llm.requests.at(-1)?.body.messages ?? [];
    expect(sent.filter((m) => m.role !== "system").map((m) => contentText(m.content))).toEqual([
      "first in A",
      "seen 1 message(s)",
      "second in A",
    ]);
  });
});
