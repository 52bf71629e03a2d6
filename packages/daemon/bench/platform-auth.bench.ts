/**
 * What does verifying the platform's signature cost a daemon round trip?
 * Two real HTTP servers in this process, identical but for `platformAuth`, answer
 * `GET /platform/ping` (no body) and `POST /agents/<stream>` (a signed 100 B append to an
 * in-memory stream: the body hashed, read once by the auth and handed to the stream routes);
 * requests alternate between them in pairs so load from other processes hits both alike.
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
import { createMemoryStreamStore } from "@iterate/streams";
import { createDaemonApp } from "../src/app.ts";
import { nodeSigningCrypto } from "../src/auth/node-crypto.ts";
import { openPersistentReplayCache } from "../src/auth/persistent-replay-cache.ts";
import { platformAuth } from "../src/auth/platform-auth.ts";
import type { PlatformRoutesOptions } from "../src/platform/platform-routes.ts";

const PAIRS = Number(process.env.BENCH_PAIRS ?? 5000);
const WARMUP = 500;
const BUDGET_MS = 0.1;
const PATH = "/platform/ping";
const STREAM = "/agents/bench-auth";
const BODY = `m|${"x".repeat(98)}`;

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
        resolve({ url: `http://127.0.0.1:${info.port}`, close: () => server.close() }),
    );
  });
}

/** One kind of request, sent to both servers. */
interface Case {
  name: string;
  method: string;
  path: string;
  body?: string;
  status: number;
}
const CASES: Case[] = [
  { name: `GET ${PATH}`, method: "GET", path: PATH, status: 200 },
  { name: `POST ${STREAM} (100 B)`, method: "POST", path: STREAM, body: BODY, status: 204 },
];

async function signTokens(testCase: Case, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const { method, path: url, body } = testCase;
    tokens.push(await signRequest({ secret, machineId, method, url, body }));
  }
  return tokens;
}

/** Milliseconds of one round trip (request sent → body read). */
async function roundTrip(baseUrl: string, testCase: Case, token?: string): Promise<number> {
  const headers: Record<string, string> = { "content-type": "text/plain" };
  if (token) headers.authorization = `Bearer ${token}`;
  const start = performance.now();
  const res = await fetch(baseUrl + testCase.path, {
    method: testCase.method,
    headers,
    body: testCase.body,
  });
  await res.arrayBuffer();
  const elapsed = performance.now() - start;
  if (res.status !== testCase.status) throw new Error(`${testCase.name}: ${res.status}`);
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

// Each server has its own in-memory store, so the two see the same appends.
const agents = () => ({ store: createMemoryStreamStore() });
const unsignedServer = await listen(createDaemonApp({ platform, agents: agents() }));
// As the daemon runs it: the replay cache persisted (one append per accepted request).
const replayDir = await mkdtemp(join(tmpdir(), "iterate-bench-replay-"));
const replayCache = await openPersistentReplayCache({ dir: replayDir });
const signedServer = await listen(
  createDaemonApp({
    platform,
    agents: agents(),
    auth: platformAuth({ secret, machineId, replayCache }),
  }),
);
for (const server of [unsignedServer, signedServer]) {
  const [token] = await signTokens({ name: "create", method: "PUT", path: STREAM, status: 201 }, 1);
  const res = await fetch(server.url + STREAM, {
    method: "PUT",
    headers: { "content-type": "text/plain", authorization: `Bearer ${token}` },
  });
  if (res.status !== 201) throw new Error(`create ${STREAM}: ${res.status}`);
}

interface Figures {
  baseline: number;
  withAuth: number;
  added: number;
}
const figures = new Map<string, Figures>();
for (const testCase of CASES) {
  const tokens = await signTokens(testCase, WARMUP + PAIRS);
  const nextToken = () => tokens.pop() as string;
  for (let i = 0; i < WARMUP; i++) {
    await roundTrip(unsignedServer.url, testCase);
    await roundTrip(signedServer.url, testCase, nextToken());
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
      a = await roundTrip(unsignedServer.url, testCase);
      b = await roundTrip(signedServer.url, testCase, nextToken());
    } else {
      b = await roundTrip(signedServer.url, testCase, nextToken());
      a = await roundTrip(unsignedServer.url, testCase);
    }
    unsigned.push(a);
    signed.push(b);
    differences.push(b - a);
  }
  figures.set(testCase.name, {
    baseline: median(unsigned),
    withAuth: median(signed),
    added: median(differences),
  });
}
unsignedServer.close();
signedServer.close();
replayCache.close();
await rm(replayDir, { recursive: true, force: true });

// The verification alone, without HTTP: what the middleware adds in CPU per request, with the
// crypto platformAuth verifies with (nodeSigningCrypto).
const verifyTokens = await signTokens(CASES[0] as Case, 5000);
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
    signingCrypto: nodeSigningCrypto,
  });
  if (!result.ok) throw new Error(result.code);
}
const verifyMs = (performance.now() - verifyStart) / verifyTokens.length;

const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
console.log(`platform-auth: ${PAIRS} sequential signed/unsigned pairs per request kind (medians)`);
let over = false;
for (const [name, f] of figures) {
  console.log(`  ${name}`);
  console.log(`    unsigned (baseline)   ${us(f.baseline)}`);
  console.log(`    signed + verified     ${us(f.withAuth)}`);
  console.log(
    `    added by verification ${us(f.added)}  (median per-pair difference; budget ${us(BUDGET_MS)})`,
  );
  console.log(`    ratio signed/unsigned ${(f.withAuth / f.baseline).toFixed(3)}x`);
  over ||= f.added >= BUDGET_MS;
}
console.log(`  verifyRequest alone     ${us(verifyMs)} per call (GET, no HTTP)`);
console.log(
  `  ${over ? "OVER BUDGET: verification adds 0.1 ms or more" : "PASS: verification adds under 0.1 ms"}`,
);
