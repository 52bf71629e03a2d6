/**
 * A tiny async benchmark loop. Cases run interleaved for several rounds and report the median
 * and best round, so a burst of load from other processes skews one round, not the result.
 */

export interface BenchCase {
  name: string;
  fn: () => Promise<unknown> | unknown;
}

export interface BenchResult {
  name: string;
  /** Median over rounds, in µs per op. */
  usPerOp: number;
  /** Best round, in µs per op. */
  bestUsPerOp: number;
  /** Ops per second at the median. */
  opsPerSec: number;
  ops: number;
}

export interface BenchOptions {
  /** Rounds per case; each round measures every case once, in order. */
  rounds?: number;
  /** Measured wall time per case and round, in ms. */
  durationMs?: number;
  /** Unmeasured iterations per case before the first round (JIT, key caches). */
  warmup?: number;
}

async function measure(
  fn: BenchCase["fn"],
  durationMs: number,
): Promise<{ ops: number; us: number }> {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  // Sequential awaits, like one request after another. Read the clock every 32 ops.
  while (elapsed < durationMs) {
    for (let i = 0; i < 32; i++) await fn();
    ops += 32;
    elapsed = performance.now() - start;
  }
  return { ops, us: (elapsed * 1000) / ops };
}

/** Runs every case for `rounds` interleaved rounds; timing via performance.now(). */
export async function runBench(
  cases: BenchCase[],
  options: BenchOptions = {},
): Promise<BenchResult[]> {
  const { rounds = 7, durationMs = 250, warmup = 300 } = options;
  for (const c of cases) for (let i = 0; i < warmup; i++) await c.fn();
  const samples = cases.map(() => [] as number[]);
  const ops = cases.map(() => 0);
  for (let round = 0; round < rounds; round++) {
    for (const [i, c] of cases.entries()) {
      const result = await measure(c.fn, durationMs);
      samples[i]?.push(result.us);
      ops[i] = (ops[i] ?? 0) + result.ops;
    }
  }
  return cases.map((c, i) => {
    const sorted = (samples[i] ?? []).slice().sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] as number;
    return {
      name: c.name,
      usPerOp: median,
      bestUsPerOp: sorted[0] as number,
      opsPerSec: 1e6 / median,
      ops: ops[i] ?? 0,
    };
  });
}

/** Prints results as an aligned table. */
export function printTable(results: BenchResult[]): void {
  const width = Math.max(...results.map((r) => r.name.length));
  const head = `${"case".padEnd(width)}  ${"ops/sec".padStart(9)}  ${"µs/op".padStart(8)}  ${"best µs".padStart(8)}`;
  console.log(head);
  for (const r of results) {
    const ops = Math.round(r.opsPerSec).toString().padStart(9);
    console.log(
      `${r.name.padEnd(width)}  ${ops}  ${r.usPerOp.toFixed(2).padStart(8)}  ${r.bestUsPerOp.toFixed(2).padStart(8)}`,
    );
  }
}
