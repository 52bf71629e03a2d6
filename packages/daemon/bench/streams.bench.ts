/**
 * Streams benchmark: the Durable Streams server of `@iterate/streams` as the
 * daemon serves it in production against the reference
 * `@durable-streams/server@0.3.7`, all started in this run on this machine,
 * each in its own process (an esbuild bundle, as the daemon ships) while the
 * load runs here.
 *
 *   (a) append → long-poll receive round trip, p50 / p99
 *   (b) 100 B append throughput, pipelining client
 *   (c) SSE fan-out to 100 readers: last-reader latency p50 / p99 (paced writer),
 *       deliveries/s (pipelined writer)
 *   and the RSS of each server process after each of them
 *
 * for ours signed (every request signed as the platform signs it and verified
 * by the daemon's `platformAuth`, body read once by it and handed on; file
 * store, fsync on), ours unsigned (same store, no auth), reference (memory) and reference
 * (file), with ratios against the reference. Tokens are signed before the
 * clock starts: signing is the platform's cost.
 *
 * Run: `pnpm bench` (or `tsx bench/streams.bench.ts`). Knobs: BENCH_RT_WARMUP, BENCH_RT_SAMPLES,
 * BENCH_TP_MS, BENCH_TP_CONNECTIONS, BENCH_TP_WINDOW, BENCH_SSE_READERS, BENCH_SSE_MESSAGES,
 * BENCH_SSE_BURST, BENCH_SSE_WINDOW.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateDaemonSecret } from "@iterate/contract";
import { build } from "esbuild";
import { bundleOptions } from "../build.mjs";
import {
  appendThroughput,
  percentile,
  roundTrips,
  type TailSession,
  tailSession,
} from "./support/load.ts";
import { cpuMicrosOf, rssOf } from "./support/proc-stats.ts";
import { platformSigner, type Signer, unsigned } from "./support/signer.ts";
import { sseFanout } from "./support/sse-fanout.ts";
import { printTable } from "./support/table.ts";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const RT = { warmup: env("BENCH_RT_WARMUP", 100), samples: env("BENCH_RT_SAMPLES", 1000) };
const TP = {
  durationMs: env("BENCH_TP_MS", 3000),
  connections: env("BENCH_TP_CONNECTIONS", 8),
  window: env("BENCH_TP_WINDOW", 32),
};
const SSE = {
  readers: env("BENCH_SSE_READERS", 100),
  paced: env("BENCH_SSE_MESSAGES", 300),
  burst: env("BENCH_SSE_BURST", 2000),
  window: env("BENCH_SSE_WINDOW", 16),
};

const TARGETS = [
  { id: "ours-signed", label: "ours signed (file, fsync)" },
  { id: "ours-unsigned", label: "ours unsigned (file, fsync)" },
  { id: "ref-memory", label: "reference (memory)" },
  { id: "ref-file", label: "reference (file)" },
] as const;
type TargetId = (typeof TARGETS)[number]["id"];

interface Figures {
  rtP50: number;
  rtP99: number;
  appendsPerSecond: number;
  cpuPerAppend: number;
  sseP50: number;
  sseP99: number;
  sseDeliveriesPerSecond: number;
  rssAfterRt: number;
  rssAfterTp: number;
  rssAfterSse: number;
}

// Every server runs from a bundle built as the daemon's is (build.mjs), under plain `node`:
// production runs one such file, not TypeScript through the tsx loader. The reference keeps
// its package (it loads a native addon), resolved from here.
const SERVE = fileURLToPath(new URL("../dist/bench/serve-target.mjs", import.meta.url));
await build(
  bundleOptions({
    entry: fileURLToPath(new URL("./support/serve-target.ts", import.meta.url)),
    outfile: SERVE,
    external: ["@durable-streams/server"],
  }),
);
const key = { secret: generateDaemonSecret(), machineId: "mch_bench" };
const signers: Record<TargetId, Signer> = {
  "ours-signed": platformSigner(key),
  "ours-unsigned": unsigned,
  "ref-memory": unsigned,
  "ref-file": unsigned,
};

async function startTarget(
  id: TargetId,
  dir: string,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [SERVE, id, dir], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, BENCH_SECRET: key.secret, BENCH_MACHINE_ID: key.machineId },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`${id} exited with ${code}: ${out}`)));
  });
  return { url, child };
}

interface Samples {
  rt: number[];
  /** Round-trip p50 of each slice, and appends/s of each round: the spread behind the table. */
  rtSliceP50s: number[];
  roundAppendRates: number[];
  appends: number;
  appendSeconds: number;
  /** Server CPU µs spent while the appends ran. */
  appendCpu: number;
  sse: number[];
  deliveries: number;
  deliverySeconds: number;
  rss: { rt: number; tp: number; sse: number };
}

// All four servers run side by side (an idle one costs nothing) and each
// scenario visits them in turn, ROUNDS times, pooling the samples: load from
// anything else on the machine then hits every target alike.
const ROUNDS = env("BENCH_ROUNDS", 3);
const targets = await Promise.all(
  TARGETS.map(async (target) => {
    const dir = await mkdtemp(join(tmpdir(), `bench-${target.id}-`));
    return { ...target, dir, ...(await startTarget(target.id, dir)) };
  }),
);
const samples = new Map<TargetId, Samples>(
  TARGETS.map((t) => [
    t.id,
    {
      rt: [],
      rtSliceP50s: [],
      roundAppendRates: [],
      appends: 0,
      appendSeconds: 0,
      appendCpu: 0,
      sse: [],
      deliveries: 0,
      deliverySeconds: 0,
      rss: { rt: 0, tp: 0, sse: 0 },
    },
  ]),
);
try {
  // Each scenario runs on its own, the targets taking turns: round trips in
  // many short slices (they are the most drift-sensitive), the rest in ROUNDS.
  const RT_SLICES = 10;
  const sessions = new Map(
    await Promise.all(
      targets.map(async (t) => [t.id, await tailSession(t.url, signers[t.id])] as const),
    ),
  );
  for (let slice = 0; slice < RT_SLICES; slice++) {
    process.stderr.write(`round trips ${slice + 1}/${RT_SLICES}\n`);
    for (const target of targets) {
      const rt = await roundTrips(sessions.get(target.id) as TailSession, {
        warmup: slice === 0 ? RT.warmup : 10,
        samples: Math.ceil(RT.samples / RT_SLICES),
      });
      const into = samples.get(target.id) as Samples;
      into.rt.push(...rt);
      into.rtSliceP50s.push(percentile(rt, 50));
    }
  }
  for (const target of targets)
    (samples.get(target.id) as Samples).rss.rt = await rssOf(target.child.pid);
  for (let round = 0; round < ROUNDS; round++) {
    process.stderr.write(`throughput ${round + 1}/${ROUNDS}\n`);
    for (const target of targets) {
      const into = samples.get(target.id) as Samples;
      let cpuAtStart = 0;
      const tp = await appendThroughput(
        target.url,
        { ...TP, durationMs: TP.durationMs / ROUNDS },
        signers[target.id],
        target.id === "ours-signed",
        () => {
          cpuAtStart = cpuMicrosOf(target.child.pid);
        },
      );
      into.appendCpu += cpuMicrosOf(target.child.pid) - cpuAtStart;
      into.appends += tp.appends;
      into.appendSeconds += tp.appends / tp.perSecond;
      into.roundAppendRates.push(tp.perSecond);
    }
  }
  for (const target of targets)
    (samples.get(target.id) as Samples).rss.tp = await rssOf(target.child.pid);
  for (let round = 0; round < ROUNDS; round++) {
    process.stderr.write(`SSE fan-out ${round + 1}/${ROUNDS}\n`);
    for (const target of targets) {
      const into = samples.get(target.id) as Samples;
      const sse = await sseFanout(
        target.url,
        {
          ...SSE,
          paced: Math.ceil(SSE.paced / ROUNDS),
          burst: Math.ceil(SSE.burst / ROUNDS),
          burstMs: 2000,
        },
        signers[target.id],
      );
      into.sse.push(...sse.latencies);
      into.deliveries += sse.delivered;
      into.deliverySeconds += sse.delivered / sse.deliveriesPerSecond;
    }
  }
  for (const target of targets)
    (samples.get(target.id) as Samples).rss.sse = await rssOf(target.child.pid);
} finally {
  for (const target of targets) {
    const exited = new Promise((resolve) => target.child.once("exit", resolve));
    target.child.kill("SIGTERM");
    await exited;
    await rm(target.dir, { recursive: true, force: true });
  }
}

const results = new Map<TargetId, Figures>(
  [...samples].map(([id, s]) => [
    id,
    {
      rtP50: percentile(s.rt, 50),
      rtP99: percentile(s.rt, 99),
      appendsPerSecond: s.appends / s.appendSeconds,
      cpuPerAppend: s.appendCpu / s.appends,
      sseP50: percentile(s.sse, 50),
      sseP99: percentile(s.sse, 99),
      sseDeliveriesPerSecond: s.deliveries / s.deliverySeconds,
      rssAfterRt: s.rss.rt,
      rssAfterTp: s.rss.tp,
      rssAfterSse: s.rss.sse,
    },
  ]),
);

const rows: { name: string; key: keyof Figures; unit: string; higherIsBetter: boolean }[] = [
  { name: "round trip p50", key: "rtP50", unit: "ms", higherIsBetter: false },
  { name: "round trip p99", key: "rtP99", unit: "ms", higherIsBetter: false },
  { name: "100 B appends", key: "appendsPerSecond", unit: "/s", higherIsBetter: true },
  // Steadier than the rate on a shared machine: what each append cost the server process.
  { name: "server CPU per append", key: "cpuPerAppend", unit: "µs", higherIsBetter: false },
  { name: "SSE fan-out p50", key: "sseP50", unit: "ms", higherIsBetter: false },
  { name: "SSE fan-out p99", key: "sseP99", unit: "ms", higherIsBetter: false },
  { name: "SSE deliveries", key: "sseDeliveriesPerSecond", unit: "/s", higherIsBetter: true },
  { name: "RSS after round trips", key: "rssAfterRt", unit: "MB", higherIsBetter: false },
  { name: "RSS after appends", key: "rssAfterTp", unit: "MB", higherIsBetter: false },
  { name: "RSS after SSE", key: "rssAfterSse", unit: "MB", higherIsBetter: false },
];
const format = (value: number, unit: string) =>
  unit === "ms"
    ? value.toFixed(3)
    : unit === "MB" || unit === "µs"
      ? value.toFixed(1)
      : Math.round(value).toString();
// A ratio above 1 always means "ours is better" (faster or more throughput).
const ratio = (ours: number, reference: number, higherIsBetter: boolean) =>
  `${(higherIsBetter ? ours / reference : reference / ours).toFixed(2)}×`;

const get = (id: TargetId) => results.get(id) as Figures;
console.log(
  `\nDurable Streams: ${RT.samples} round trips; ${TP.connections}×${TP.window} pipelined appends for ${TP.durationMs} ms; ` +
    `${SSE.readers} SSE readers × (${SSE.paced} paced + ${SSE.burst} pipelined) messages\n`,
);
const header = [
  "metric",
  ...TARGETS.map((t) => t.label),
  "signed vs ref-mem",
  "unsigned vs ref-mem",
  "signed vs ref-file",
];
const table = rows.map((row) => [
  `${row.name} (${row.unit})`,
  ...TARGETS.map((t) => format(get(t.id)[row.key], row.unit)),
  ratio(get("ours-signed")[row.key], get("ref-memory")[row.key], row.higherIsBetter),
  ratio(get("ours-unsigned")[row.key], get("ref-memory")[row.key], row.higherIsBetter),
  ratio(get("ours-signed")[row.key], get("ref-file")[row.key], row.higherIsBetter),
]);
printTable(header, table);
console.log(
  "\nratios: >1× means ours is better (lower latency, higher throughput, less memory). " +
    "Every server runs from an esbuild bundle under plain node, as the daemon does.",
);

// The signed/reference ratio per slice (round trips) and per round (appends): a pooled ratio
// within this spread is within the machine's noise.
const signedRuns = samples.get("ours-signed") as Samples;
const referenceRuns = samples.get("ref-memory") as Samples;
const spread = (ratios: number[]) => {
  const sorted = [...ratios].sort((a, b) => a - b);
  const at = (i: number) => `${(sorted[i] as number).toFixed(2)}×`;
  return `${at(0)}–${at(sorted.length - 1)} (median ${at(Math.floor(sorted.length / 2))})`;
};
const rtRatios = signedRuns.rtSliceP50s.map(
  (ours, i) => (referenceRuns.rtSliceP50s[i] as number) / ours,
);
const tpRatios = signedRuns.roundAppendRates.map(
  (ours, i) => ours / (referenceRuns.roundAppendRates[i] as number),
);
console.log(
  `signed vs ref-mem per slice: round trip p50 ${spread(rtRatios)} over ${rtRatios.length} slices; ` +
    `appends ${spread(tpRatios)} over ${tpRatios.length} rounds`,
);

const signedRt = get("ours-signed").rtP50 <= get("ref-memory").rtP50;
const signedTp = get("ours-signed").appendsPerSecond >= get("ref-memory").appendsPerSecond;
console.log(
  `target (signed, file, fsync at least as fast as reference memory): round-trip p50 ${signedRt ? "met" : "MISSED"}, ` +
    `append throughput ${signedTp ? "met" : "MISSED"}`,
);
