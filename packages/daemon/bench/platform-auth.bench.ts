/**
 * What does verifying the platform's signature cost a daemon round trip?
 * Two real HTTP servers in this process, identical but for `platformAuth`, answer
 * `GET /platform/ping`; requests alternate between them in pairs so load from other processes
 * hits both alike.
 * Tokens are signed up front: signing is the platform's cost, not the daemon's. The signed
 * server persists its replay cache, as the daemon does.
 *
 * Run: `tsx bench/platform-auth.bench.ts` (part of `pnpm bench`). Budget: < 0.1 ms added.
 */
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import {
  createReplayCache,
  generateDaemonSecret,
  signRequest,
  verifyRequest,
} from "@iterate/contract";
import { createDaemonApp } from "../src/app.ts";
import { openPersistentReplayCache } from "../src/auth/persistent-replay-cache.ts";
import { platformAuth } from "../src/auth/platform-auth.ts";
import type { PlatformRoutesOptions } from "../src/platform/platform-routes.ts";

const PAIRS = Number(process.env.BENCH_PAIRS ?? 5000);
const WARMUP = 500;
const BUDGET_MS = 0.1;
const PATH = "/platform/ping";

const secret = generateDaemonSecret();
const machineId = "mch_bench";
// /platform/ping touches neither the workspace nor the env.
const platform = {
  machineId,
  version: "bench",
  startedAt: Date.now(),
  workspace: {} as PlatformRoutesOptions["workspace"],
  machineEnv: {} as PlatformRoutesOptions["machineEnv"],
} satisfies PlatformRoutesOptions;

function listen(
  app: ReturnType<typeof createDaemonApp>,
): Promise<{ url: string; close: () => void }> {
  return new Promise((resolve) => {
    const server = serve(
      { fetch: app.fetch, port: 0, hostname: "127.0.0.1" },
      (info: AddressInfo) =>
        resolve({ url: `http://127.0.0.1:${info.port}${PATH}`, close: () => server.close() }),
    );
  });
}

async function signTokens(count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++)
    tokens.push(await signRequest({ secret, machineId, method: "GET", url: PATH }));
  return tokens;
}

/** Milliseconds of one round trip (request sent → body read). */
async function roundTrip(url: string, token?: string): Promise<number> {
  const start = performance.now();
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  await res.arrayBuffer();
  const elapsed = performance.now() - start;
  if (res.status !== 200) throw new Error(`unexpected ${res.status}`);
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const unsignedServer = await listen(createDaemonApp({ platform }));
// As the daemon runs it: the replay cache persisted (one append per accepted request).
const replayDir = await mkdtemp(join(tmpdir(), "iterate-bench-replay-"));
const replayCache = await openPersistentReplayCache({ dir: replayDir });
const signedServer = await listen(
  createDaemonApp({ platform, auth: platformAuth({ secret, machineId, replayCache }) }),
);
const tokens = await signTokens(WARMUP + PAIRS);
const nextToken = () => tokens.pop() as string;

for (let i = 0; i < WARMUP; i++) {
  await roundTrip(unsignedServer.url);
  await roundTrip(signedServer.url, nextToken());
}
// Pairs, in alternating order: load from other processes hits both sides of a pair alike,
// so the median of per-pair differences is far steadier than a difference of two means.
const unsigned: number[] = [];
const signed: number[] = [];
const differences: number[] = [];
for (let i = 0; i < PAIRS; i++) {
  let a: number;
  let b: number;
  if (i % 2 === 0) {
    a = await roundTrip(unsignedServer.url);
    b = await roundTrip(signedServer.url, nextToken());
  } else {
    b = await roundTrip(signedServer.url, nextToken());
    a = await roundTrip(unsignedServer.url);
  }
  unsigned.push(a);
  signed.push(b);
  differences.push(b - a);
}
unsignedServer.close();
signedServer.close();
replayCache.close();
await rm(replayDir, { recursive: true, force: true });

// The verification alone, without HTTP: what the middleware adds in CPU per request.
const verifyTokens = await signTokens(5000);
const cache = createReplayCache();
const verifyStart = performance.now();
for (const token of verifyTokens) {
  const result = await verifyRequest({
    token,
    secret,
    machineId,
    method: "GET",
    url: PATH,
    replayCache: cache,
  });
  if (!result.ok) throw new Error(result.code);
}
const verifyMs = (performance.now() - verifyStart) / verifyTokens.length;

const baseline = median(unsigned);
const withAuth = median(signed);
const added = median(differences);
const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
console.log(`platform-auth: GET ${PATH}, ${PAIRS} sequential signed/unsigned pairs (medians)`);
console.log(`  unsigned (baseline)   ${us(baseline)}`);
console.log(`  signed + verified     ${us(withAuth)}`);
console.log(
  `  added by verification ${us(added)}  (median per-pair difference; budget ${us(BUDGET_MS)})`,
);
console.log(`  ratio signed/unsigned ${(withAuth / baseline).toFixed(3)}x`);
console.log(`  verifyRequest alone   ${us(verifyMs)} per call (no HTTP)`);
console.log(
  `  ${added < BUDGET_MS ? "PASS: verification adds under 0.1 ms" : "OVER BUDGET: verification adds 0.1 ms or more"}`,
);
