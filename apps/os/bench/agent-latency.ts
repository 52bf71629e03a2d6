/**
 * `pnpm --filter @iterate/os bench` (part): agent latency in Slack. The whole product (real
 * worker, local-sandbox, daemon) with the fake Slack and the fake OpenAI; a person mentions the
 * bot, one message at a time, and each is timed from the moment its signed event is sent to the
 * platform until
 *
 * - 👀 is on the message (the fake Slack's `reactions.add`), and
 * - the first answer text is in the thread (the fake Slack's `chat.postMessage` of the answer),
 *
 * against the fake model's own time to first token, measured in the same run twice: directly
 * (a streamed request to the fake, no platform in between) and as the fake recorded it for the
 * agent's own requests. The fake answers after `BENCH_MODEL_TTFT_MS` (default 300 ms), all of the
 * answer at once, so the model's time to first token is its whole time and everything else is
 * platform + daemon overhead. Targets (issue 10): 👀 within 1 s; first answer text less than
 * 100 ms beyond the model's own time.
 */
import { availableParallelism, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import {
  type AgentWorld,
  botMessages,
  connectedUser,
  reaction,
  reactionCall,
  say,
  startAgentWorld,
} from "../e2e/agent-support.ts";
import { eventually } from "../e2e/support.ts";
import { lastUserText } from "../test-support/fake-openai-script.ts";
import { percentile } from "./support/percentile.ts";

const MESSAGES = Number(process.env.BENCH_AGENT_MESSAGES ?? 30);
const WARMUP = 3;
const MODEL_TTFT_MS = Number(process.env.BENCH_MODEL_TTFT_MS ?? 300);
const TARGET_EYES_MS = 1000;
const TARGET_OVERHEAD_MS = 100;

const loadAtStart = loadavg()[0] ?? 0;

/** The fake model's time to first token with nothing in between: a streamed request to it. */
async function directTtft(world: AgentWorld, marker: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${world.openai.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${world.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: "gpt-fake",
      stream: true,
      messages: [{ role: "user", content: `direct ${marker}` }],
    }),
  });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error("the fake ended without a token");
    text += decoder.decode(value, { stream: true });
    if (text.includes('"content":"Bench')) break;
  }
  const ttft = performance.now() - started;
  await reader.cancel();
  return ttft;
}

type Sample = {
  eyes: number;
  answer: number;
  /** Event sent → the model request reached the fake (edge, outbox, daemon, run start, proxy). */
  toModel: number;
  /** The fake's own time to first token for this request (receipt → first token written). */
  modelTtft: number;
  /** The fake's whole answer time for this request. */
  model: number;
  /** Model answer finished → the answer posted in Slack (daemon, Slack proxy). */
  fromModel: number;
};

const world = await startAgentWorld();
try {
  world.openai.respond((request) => {
    const text = lastUserText(request);
    const n = /bench (\S+)/.exec(text)?.[1] ?? "?";
    return { text: `Bench answer ${n}.`, chunks: 1, firstChunkDelayMs: MODEL_TTFT_MS };
  });
  const owner = await connectedUser(world, "bench-agent");
  const samples: Sample[] = [];
  const direct: number[] = [];

  for (let i = 0; i < WARMUP + MESSAGES; i++) {
    const id = `m${i}`;
    // Interleaved with the product's runs, so both see the same machine load.
    direct.push(await directTtft(world, id));
    const sent = await say(world, owner.team, `<@${owner.botUserId}> bench ${id}`);
    const ts = sent.message.ts;
    await reaction(world, owner.team, ts, "white_check_mark");
    const eyes = reactionCall(world, ts, "eyes");
    const answerText = `Bench answer ${id}.`;
    await eventually("the answer", async () =>
      botMessages(world, owner.team, ts).find((m) => m.text.includes(answerText)),
    );
    const posted = world.slack.calls.find(
      (c) => c.method === "chat.postMessage" && String(c.params.text).includes(answerText),
    );
    const request = world.openai.requests.find((r) => lastUserText(r).includes(`bench ${id}`));
    if (!eyes || !posted || !request?.finishedAt) throw new Error(`message ${id} was not timed`);
    if (i < WARMUP) continue;
    samples.push({
      eyes: eyes.at - sent.sentAt,
      answer: posted.at - sent.sentAt,
      toModel: request.receivedAt - sent.sentAt,
      modelTtft: (request.chunksSentAt[0] as number) - request.receivedAt,
      model: request.finishedAt - request.receivedAt,
      fromModel: posted.at - request.finishedAt,
    });
  }
  direct.splice(0, WARMUP);
  // BENCH_VERBOSE=1: every sample, to see which stage an outlier spent its time in.
  if (process.env.BENCH_VERBOSE) console.table(samples);

  const col = (pick: (s: Sample) => number) => samples.map(pick);
  const eyes = col((s) => s.eyes);
  const answer = col((s) => s.answer);
  const overhead = col((s) => s.answer - s.model);
  const ratio = col((s) => s.answer / s.model);
  const row = (label: string, xs: number[], unit = "ms") => {
    const digits = unit === "×" ? 2 : 0;
    const suffix = unit === "×" ? "×" : " ";
    const cell = (p: number) => `${percentile(xs, p).toFixed(digits).padStart(6)}${suffix}`;
    console.log(`  ${label.padEnd(40)} ${cell(50)}  ${cell(90)}  ${cell(99)}`);
  };

  console.log(
    `\nmachine: ${availableParallelism()} CPUs, 1-min load average ${loadAtStart.toFixed(1)} before the run`,
  );
  console.log(
    `\nAgent latency in Slack — ${MESSAGES} mentions one at a time (real worker, daemon; fake Slack, fake model with ${MODEL_TTFT_MS} ms to first token)`,
  );
  console.log(`  ${"".padEnd(40)}  p50 ms   p90 ms   p99 ms`);
  row("fake model TTFT, direct (same run)", direct);
  row(
    "fake model TTFT, as it saw the agent",
    col((s) => s.modelTtft),
  );
  row("event sent → 👀 on the message", eyes);
  row("event sent → first answer text in thread", answer);
  row(
    "  of which: event → model request",
    col((s) => s.toModel),
  );
  row(
    "  of which: the model",
    col((s) => s.model),
  );
  row(
    "  of which: model done → posted in Slack",
    col((s) => s.fromModel),
  );
  row("overhead (answer − the model's time)", overhead);
  row("ratio answer / the model's time", ratio, "×");
  const eyes99 = percentile(eyes, 99);
  const over50 = percentile(overhead, 50);
  console.log(
    `  target 👀 < ${TARGET_EYES_MS} ms: ${eyes99 < TARGET_EYES_MS ? "met" : "MISSED"} (p99 ${eyes99.toFixed(0)} ms)`,
  );
  console.log(
    `  target overhead < ${TARGET_OVERHEAD_MS} ms: ${over50 < TARGET_OVERHEAD_MS ? "met" : "MISSED"} (p50 ${over50.toFixed(0)} ms, p99 ${percentile(overhead, 99).toFixed(0)} ms)`,
  );
} finally {
  await world.stop();
}
