/**
 * `pnpm --filter @iterate/os bench` (part): the LLM proxy's time-to-first-byte overhead. The real
 * worker (start-platform.ts: local D1, local-sandbox, a real daemon whose env supplies the machine
 * token), the fake OpenAI upstream with a fixed first-chunk delay, and a streamed chat
 * completion measured two ways, interleaved in the same run (alternating which goes first):
 *
 * - direct: the fake upstream with the real key (the baseline)
 * - proxied: `${OPENAI_BASE_URL}/chat/completions` with the machine token — machine auth, the
 *   budget query, a fresh upstream request, the body tee'd for metering
 *
 * TTFB = request start → the first body chunk in hand. Overhead = proxied − direct, at p50 and
 * p99, in ms and as a ratio. Target: overhead p50 < 5 ms. A third sample in the same run, a bare
 * `GET /healthz` through the same worker, shows how much of the overhead any request through the
 * local runtime (wrangler's dev server in front of workerd) costs before the proxy's own work.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { startPlatform } from "../browser/start-platform.ts";
import { processEnv, sandboxOf, signUp } from "../e2e/support.ts";
import { startFakeOpenAI } from "../test-support/fake-openai.ts";

const WARMUP = 30;
const RUNS = Number(process.env.BENCH_RUNS ?? 300);
/** The upstream's own think time before its first chunk: a fixed floor under both paths. */
const FIRST_CHUNK_DELAY_MS = 20;
const TARGET_P50_MS = 5;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const body = JSON.stringify({
  model: "gpt-fake",
  stream: true,
  messages: [{ role: "user", content: "Say hello." }],
});

/** One streamed completion; returns ms to the first body chunk (the rest is read, not timed). */
async function ttfb(url: string, token: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body,
  });
  return firstChunk(res, url, started);
}

async function firstChunk(res: Response, url: string, started: number): Promise<number> {
  if (res.status !== 200 || !res.body) throw new Error(`${url} answered ${res.status}`);
  const reader = res.body.getReader();
  const first = await reader.read();
  const took = performance.now() - started;
  if (first.done) throw new Error(`${url} sent no body`);
  while (!(await reader.read()).done) {}
  return took;
}

async function main() {
  const apiKey = `sk-test-real-key-${randomBytes(16).toString("hex")}`;
  const fake = await startFakeOpenAI({ apiKey, firstChunkDelayMs: FIRST_CHUNK_DELAY_MS });
  const platform = await startPlatform({
    vars: { OPENAI_API_KEY: apiKey, LLM_UPSTREAM_URL: fake.baseUrl },
  });
  try {
    const user = await signUp(platform, "bench-llm");
    const machine = await user.ready();
    const sandbox = await sandboxOf(platform, machine.id);
    if (!sandbox) throw new Error("no sandbox for the machine");
    // Exactly what an agent on the machine uses: its base URL and token from the daemon's env.
    const env = await processEnv(sandbox.pid);
    const proxied = `${env.OPENAI_BASE_URL}/chat/completions`;
    const machineToken = env.OPENAI_API_KEY as string;
    const direct = `${fake.baseUrl}/chat/completions`;

    const healthz = new URL("/healthz", platform.worker.url).href;
    const bare = async () => {
      const started = performance.now();
      return firstChunk(await fetch(healthz), healthz, started);
    };

    const samples = { direct: [] as number[], proxied: [] as number[], healthz: [] as number[] };
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const pair = [
        ["direct", () => ttfb(direct, apiKey)],
        ["proxied", () => ttfb(proxied, machineToken)],
        ["healthz", bare],
      ] as const;
      // Alternate the order, so no path always meets a warmer connection or cache.
      for (const [name, run] of i % 2 ? [...pair].reverse() : pair) {
        const took = await run();
        if (i >= WARMUP) samples[name].push(took);
      }
    }

    const row = (p: number) => {
      const d = percentile(samples.direct, p);
      const x = percentile(samples.proxied, p);
      return { d, x, overhead: x - d, ratio: x / d };
    };
    const fmt = (n: number) => `${n.toFixed(2).padStart(7)} ms`;
    const p50 = row(50);
    const p99 = row(99);
    console.log(
      `\nLLM proxy TTFB (streamed chat/completions, upstream first-chunk delay ${FIRST_CHUNK_DELAY_MS} ms, ${RUNS} interleaved pairs)`,
    );
    console.log("             direct (baseline)   via the proxy    overhead    proxy / direct");
    for (const [label, r] of [
      ["p50", p50],
      ["p99", p99],
    ] as const) {
      console.log(
        `  ${label}       ${fmt(r.d)}        ${fmt(r.x)}    ${fmt(r.overhead)}    ${r.ratio.toFixed(3)}×`,
      );
    }
    const floor =
      percentile(samples.healthz, 50) - percentile(samples.direct, 50) + FIRST_CHUNK_DELAY_MS;
    console.log(
      `  a bare GET /healthz through the same worker: p50 ${percentile(samples.healthz, 50).toFixed(2)} ms — ` +
        `the local runtime's share of the overhead ≈ ${floor.toFixed(2)} ms, the proxy's own ≈ ${(p50.overhead - floor).toFixed(2)} ms`,
    );
    const ok = p50.overhead < TARGET_P50_MS;
    console.log(
      `  overhead p50 ${p50.overhead.toFixed(2)} ms — target < ${TARGET_P50_MS} ms: ${ok ? "met" : "MISSED"}`,
    );
    const metered = (await (await user.api("GET", "/usage")).json()) as {
      days: { requests: number }[];
    };
    console.log(
      `  metered requests today: ${metered.days[0]?.requests ?? 0} (sent ${WARMUP + RUNS})`,
    );
  } finally {
    await platform.stop();
    await fake.close();
  }
}

await main();
