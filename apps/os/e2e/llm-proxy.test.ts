/**
 * No provider key in the sandbox (issue 9, item 7), end to end: the real worker with a "real"
 * OpenAI key and Slack secrets, real local-sandbox, real daemons, the fake OpenAI upstream. What
 * the daemon process was started with is read from the kernel (`/proc/<pid>/environ`), and a
 * request made with exactly that env goes through the real proxy to the fake.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningPlatform, startPlatform } from "../browser/start-platform.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../test-support/fake-openai.ts";
import { eventually, processEnv, sandboxOf, signUp } from "./support.ts";

const OPENAI_API_KEY = `sk-test-real-key-${randomBytes(16).toString("hex")}`;
/** Worker secrets that must stay in the worker, whatever their kind. */
const SLACK_SECRETS = {
  SLACK_SIGNING_SECRET: `slack-signing-${randomBytes(12).toString("hex")}`,
  SLACK_CLIENT_ID: "1234.5678",
  SLACK_CLIENT_SECRET: `slack-client-${randomBytes(12).toString("hex")}`,
};

let platform: RunningPlatform;
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: OPENAI_API_KEY });
  platform = await startPlatform({
    vars: { OPENAI_API_KEY, LLM_UPSTREAM_URL: fake.baseUrl, ...SLACK_SECRETS },
  });
});
afterAll(async () => {
  await platform?.stop();
  await fake?.close();
});

/** Every regular file under `dir` (the sandbox's HOME), with its contents. */
async function filesUnder(dir: string): Promise<{ file: string; text: string }[]> {
  const out: { file: string; text: string }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (!entry.isFile() || (await stat(file)).size > 4 * 1024 * 1024) continue;
    out.push({ file, text: await readFile(file, "latin1") });
  }
  return out;
}

async function readyMachine(label: string) {
  const user = await signUp(platform, label);
  const machine = await user.ready();
  const sandbox = await sandboxOf(platform, machine.id);
  if (!sandbox) throw new Error("no sandbox for the machine");
  return { user, machine, sandbox, env: await processEnv(sandbox.pid) };
}

describe("no provider key in the sandbox (real daemon process)", () => {
  it("the daemon's env has the machine token as OPENAI_API_KEY and the platform proxy as its base URL, and no real key", async () => {
    const { machine, sandbox, env } = await readyMachine("e2e-llm-env");
    expect(env.ITERATE_MACHINE_ID).toBe(machine.id);
    expect(env.OPENAI_API_KEY).toMatch(/^itk_/);
    expect(env.OPENAI_API_KEY).toBe(env.ITERATE_MACHINE_TOKEN);
    expect(env.OPENAI_BASE_URL).toBe(new URL("/api/llm/openai/v1", platform.worker.url).href);
    expect(env.SLACK_API_URL).toBe(new URL("/api/slack/", platform.worker.url).href);

    const secrets = [
      OPENAI_API_KEY,
      platform.worker.encryptionKey,
      ...Object.values(SLACK_SECRETS),
    ];
    for (const [name, value] of Object.entries(env)) {
      expect(value, name).not.toMatch(/xox[abp]-/);
      for (const secret of secrets) expect(value.includes(secret), name).toBe(false);
    }
    // Nor anywhere on the machine's disk (credentials, persisted env, logs, streams).
    const home = path.join(platform.sandbox.root, "machines", sandbox.id);
    const files = await filesUnder(home);
    expect(files.length).toBeGreaterThan(0);
    for (const { file, text } of files) {
      for (const secret of secrets) expect(text.includes(secret), file).toBe(false);
    }
  });

  it("a request made with exactly the daemon's env streams through the real worker to the provider", async () => {
    const { user, env } = await readyMachine("e2e-llm-call");
    // A child process with the daemon's env, as an agent on the machine would be.
    const script = `
      const res = await fetch(process.env.OPENAI_BASE_URL + "/chat/completions", {
        method: "POST",
        headers: { authorization: "Bearer " + process.env.OPENAI_API_KEY, "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-fake", stream: true, messages: [{ role: "user", content: "hi" }],
          metadata: { fake_test_id: "e2e-call", fake_input_tokens: "30", fake_output_tokens: "12" } }),
      });
      process.stdout.write(JSON.stringify({ status: res.status, type: res.headers.get("content-type"), body: await res.text() }));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--input-type=module", "-e", script],
      { env, timeout: 20_000 },
    );
    const answer = JSON.parse(stdout) as { status: number; type: string; body: string };
    expect(answer.status).toBe(200);
    expect(answer.type).toContain("text/event-stream");
    expect(answer.body).toContain("the fake");
    expect(answer.body).toContain("data: [DONE]");

    const seen = fake.requests.filter(
      (r) =>
        (r.body as { metadata?: Record<string, string> })?.metadata?.fake_test_id === "e2e-call",
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${OPENAI_API_KEY}`);
    expect(JSON.stringify(seen[0]?.headers)).not.toContain(env.OPENAI_API_KEY);

    const usage = await eventually("the call to be metered", async () => {
      const body = (await (await user.api("GET", "/usage")).json()) as {
        days: { requests: number; totalTokens: number }[];
      };
      return body.days[0]?.requests ? body.days[0] : undefined;
    });
    expect(usage).toMatchObject({ requests: 1, totalTokens: 42 });
  });
});
