/**
 * How much does the machine add to a Slack answer? A real daemon (the bundle) with the fake
 * Slack and the fake OpenAI-compatible model (real servers on 127.0.0.1), mentions delivered to
 * `POST /edge/slack` one after another, each in a new thread:
 * - delivery → 👀 (`reactions.add eyes` reaching Slack), budget 1 s;
 * - delivery → the answer in the thread (`chat.postMessage`), against the fake model's own time
 *   to its first token measured in the same run by calling it directly, alternating with the
 *   mentions, so load hits both alike. The difference is the daemon's overhead (budget 100 ms).
 *
 * Run: `tsx bench/agent.bench.ts` (part of `pnpm bench`); `BENCH_ROUNDS` (default 30).
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signRequest } from "@iterate/contract";
import { ensureDaemonBundle } from "../build.mjs";
import { startFakeOpenAI } from "../test/agent/support/fake-openai.ts";
import { FAKE_BOT, startFakeSlack } from "../test/agent/support/fake-slack.ts";
import { startFakePlatform } from "../test/platform/support/fake-platform.ts";
import { machineEnv } from "../test/platform/support/machine-env.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const MODEL_DELAY_MS = 100; // the fake model "thinks" this long before its first token
const EYES_BUDGET_MS = 1000;
const OVERHEAD_BUDGET_MS = 100;

const bundle = await ensureDaemonBundle();
const home = await mkdtemp(join(tmpdir(), "agent-bench-"));
const [llm, slack, platform] = await Promise.all([
  startFakeOpenAI(),
  startFakeSlack(),
  startFakePlatform(),
]);
llm.respond(() => ({ text: "Here you go.", chunks: 1, chunkDelayMs: MODEL_DELAY_MS }));
const child = spawn(process.execPath, [bundle, "--home", home], {
  // A clean env, as test daemons get: nothing of the bench's own (tokens, HOME) leaks in.
  env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PORT: "0", ...machineEnv(platform.url) },
  stdio: ["ignore", "pipe", "inherit"],
});
const port = await new Promise<string>((resolve) => {
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    const match = /listening on :(\d+)/.exec(out);
    if (match) resolve(match[1] as string);
  });
});
const [ping] = await platform.waitForPings(1);
if (!ping) throw new Error("no ping");
const key = { machineId: ping.body.machineId, secret: ping.body.secret };
const daemonUrl = `http://127.0.0.1:${port}`;
async function signed(method: string, path: string, json?: unknown): Promise<Response> {
  const body = json === undefined ? undefined : JSON.stringify(json);
  const token = await signRequest({ ...key, method, url: path, body });
  const res = await fetch(new URL(path, daemonUrl), {
    method,
    body,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}
await signed("POST", "/platform/bootstrap", {});
await signed("PUT", "/platform/env", {
  env: {
    OPENAI_BASE_URL: llm.baseUrl,
    OPENAI_API_KEY: "sk-bench",
    SLACK_API_URL: slack.apiUrl,
    // The fake is not the platform: the daemon calls it with the instance's own token only.
    SLACK_BOT_TOKEN: "xoxb-bench",
  },
});

/** The fake model called directly: request sent → first content chunk received. */
async function modelTtft(): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${llm.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-bench" },
    body: JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] }),
  });
  const reader = res.body?.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { value, done } = (await reader?.read()) ?? { done: true, value: undefined };
    if (done) throw new Error("no content chunk");
    text += decoder.decode(value);
    if (text.includes('"content":"Here')) {
      const at = performance.now() - started;
      await reader?.cancel();
      return at;
    }
  }
}

async function mention(i: number): Promise<{ eyes: number; answer: number }> {
  const asked = slack.say({
    channel: "CBENCH",
    user: "UBENCH",
    text: `<@${FAKE_BOT.userId}> question ${i}`,
  });
  const started = performance.now();
  await signed("POST", "/edge/slack", {
    type: "event_callback",
    team_id: FAKE_BOT.teamId,
    event_id: `EvBench${i}`,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: "app_mention",
      channel: asked.channel,
      ts: asked.ts,
      user: asked.user,
      text: asked.text,
    },
  });
  const eyes = await slack.waitFor(() =>
    slack.calls.find(
      (c) =>
        c.method === "reactions.add" && c.args.timestamp === asked.ts && c.args.name === "eyes",
    ),
  );
  const answer = await slack.waitFor(() =>
    slack.calls.find(
      (c) =>
        c.method === "chat.postMessage" &&
        c.args.thread_ts === asked.ts &&
        (c.args.metadata as { event_type?: string } | undefined)?.event_type ===
          "iterate_agent_answer",
    ),
  );
  await slack.waitForReaction(asked);
  return { eyes: eyes.at - started, answer: answer.at - started };
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};

try {
  // Warm-up: the first run loads the agent code and asks Slack who the bot is.
  await mention(-1);
  await modelTtft();
  const eyes: number[] = [];
  const answers: number[] = [];
  const model: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    model.push(await modelTtft());
    const result = await mention(i);
    eyes.push(result.eyes);
    answers.push(result.answer);
  }
  const overhead = pct(answers, 50) - pct(model, 50);
  const row = (name: string, values: number[]) =>
    `${name.padEnd(42)} p50 ${pct(values, 50).toFixed(1).padStart(7)} ms   p99 ${pct(values, 99).toFixed(1).padStart(7)} ms`;
  console.log(`agent bench: ${ROUNDS} mentions, one at a time, each in a new thread`);
  console.log(row("delivery → 👀 reaction at Slack", eyes));
  console.log(row("fake model alone: request → first token", model));
  console.log(row("delivery → answer posted in the thread", answers));
  console.log(
    `daemon overhead to the answer (p50 − p50): ${overhead.toFixed(1)} ms (${(pct(answers, 50) / pct(model, 50)).toFixed(2)}× the model's own time)`,
  );
  const eyesOk = pct(eyes, 99) < EYES_BUDGET_MS;
  const overheadOk = overhead < OVERHEAD_BUDGET_MS;
  console.log(
    `budgets: 👀 p99 < ${EYES_BUDGET_MS} ms ${eyesOk ? "ok" : "MISSED"}; overhead < ${OVERHEAD_BUDGET_MS} ms ${overheadOk ? "ok" : "MISSED"}`,
  );
} finally {
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  await Promise.all([llm.close(), slack.close(), platform.close()]);
  await rm(home, { recursive: true, force: true });
}
