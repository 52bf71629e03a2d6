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
 * p99, in ms and as a ratio. Target: overhead p50 < 5 ms. A third path in the same run, a bare
 * pass-through Worker in the same local runtime (llm-passthrough-worker.ts: forward, stream back,
 * nothing else), splits the overhead into what any Worker in front of the upstream costs here
 * (workerd, its outbound fetch) and what the proxy's own work costs. Both Workers are timed on
 * the runtime's own socket, not through wrangler dev's reload proxy (dev-worker.ts).
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { type DevWorker, startDevWorker } from "../browser/dev-worker.ts";
import { startPlatform } from "../browser/start-platform.ts";
import { processEnv, sandboxOf, signUp } from "../e2e/support.ts";
import { startFakeOpenAI } from "../test-support/fake-openai.ts";
import { percentile } from "./support/percentile.ts";

const WARMUP = 30;
const RUNS = Number(process.env.BENCH_RUNS ?? 300);
/** The upstream's own think time before its first chunk: a fixed floor under both paths. */
const FIRST_CHUNK_DELAY_MS = 20;
const TARGET_P50_MS = 5;

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
  let passthrough: DevWorker | undefined;
  try {
    passthrough = await startDevWorker({
      // Its own config: without one wrangler would find the platform's wrangler.toml.
      config: path.join(import.meta.dirname, "llm-passthrough.wrangler.toml"),
      envFiles: [],
      bindings: {
        UPSTREAM: { type: "plain_text", value: fake.baseUrl },
        KEY: { type: "plain_text", value: apiKey },
      },
      dev: {
        server: { hostname: "127.0.0.1", port: 0 },
        inspector: false,
        watch: false,
        liveReload: false,
        logLevel: "warn",
      },
    });
    const user = await signUp(platform, "bench-llm");
    const machine = await user.ready();
    const sandbox = await sandboxOf(platform, machine.id);
    if (!sandbox) throw new Error("no sandbox for the machine");
    // What an agent on the machine uses: the base URL's path and the token from the daemon's env,
    // sent to the runtime's own socket (dev-worker.ts: production has no reload proxy in front).
    const env = await processEnv(sandbox.pid);
    const basePath = new URL(env.OPENAI_BASE_URL as string).pathname;
    const proxied = new URL(`${basePath}/chat/completions`, platform.worker.runtimeUrl).href;
    const machineToken = env.OPENAI_API_KEY as string;
    const direct = `${fake.baseUrl}/chat/completions`;

    const bare = new URL("/v1/chat/completions", passthrough.runtimeUrl).href;

    const paths = {
      direct: () => ttfb(direct, apiKey),
      passthrough: () => ttfb(bare, "unused"),
      proxied: () => ttfb(proxied, machineToken),
    };
    type Path = keyof typeof paths;
    const order = Object.keys(paths) as Path[];
    const samples: Record<Path, number[]> = { direct: [], passthrough: [], proxied: [] };
    for (let i = 0; i < WARMUP + RUNS; i++) {
      // Rotate the order, so no path always meets a warmer connection or an idler machine.
      for (let k = 0; k < order.length; k++) {
        const name = order[(i + k) % order.length] as Path;
        const took = await paths[name]();
        if (i >= WARMUP) samples[name].push(took);
      }
    }

    const fmt = (n: number) => `${n.toFixed(2).padStart(7)} ms`;
    console.log(
      `\nLLM proxy TTFB (streamed chat/completions, upstream first-chunk delay ${FIRST_CHUNK_DELAY_MS} ms, ${RUNS} interleaved rounds)`,
    );
    console.log(
      "         direct (baseline)   bare pass-through Worker   via the proxy   overhead (proxy − direct)   proxy / direct   proxy − pass-through",
    );
    const at = (p: number) => {
      const [d, b, x] = order.map((name) => percentile(samples[name], p)) as [
        number,
        number,
        number,
      ];
      return { d, b, x, overhead: x - d };
    };
    for (const p of [50, 99]) {
      const r = at(p);
      console.log(
        `  p${p}   ${fmt(r.d)}           ${fmt(r.b)}                ${fmt(r.x)}      ${fmt(r.overhead)}                 ${(r.x / r.d).toFixed(3)}×          ${fmt(r.x - r.b)}`,
      );
    }
    const p50 = at(50);
    console.log(
      `  overhead p50 ${p50.overhead.toFixed(2)} ms (target < ${TARGET_P50_MS} ms: ${p50.overhead < TARGET_P50_MS ? "met" : "MISSED"}): ` +
        `${(p50.b - p50.d).toFixed(2)} ms any Worker in this local runtime costs, ${(p50.x - p50.b).toFixed(2)} ms the proxy's own work`,
    );
    const metered = (await (await user.api("GET", "/usage")).json()) as {
      days: { requests: number }[];
    };
    console.log(
      `  metered requests today: ${metered.days[0]?.requests ?? 0} (sent ${WARMUP + RUNS})`,
    );
  } finally {
    await passthrough?.dispose();
    await platform.stop();
    await fake.close();
  }
}

await main();
