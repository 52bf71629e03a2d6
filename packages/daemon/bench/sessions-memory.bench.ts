/**
 * What a long-lived machine's sessions cost the daemon in memory: a real daemon (the bundle)
 * started on a home whose file store holds BENCH_SESSIONS web sessions of ~1 MiB each
 * (BENCH_MESSAGES messages of ~8 KB), as after months of use. It reads every session at start
 * (runs a previous daemon left open are ended, Slack messages it never took are taken again)
 * and the dashboard lists them all (signed `GET /agents-api/sessions`); a session's
 * conversation is held only while it runs and while among the most recently used
 * (`maxLoadedSessionBytes`, 64 MiB).
 *
 * Baseline, in the same run on the same store: what the daemon held before that — every
 * session folded with its whole conversation and kept (bench/support/hold-sessions.ts, bundled
 * and run the same way).
 *
 * Run: `tsx bench/sessions-memory.bench.ts` (part of `pnpm bench`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { bundleOptions, ensureDaemonBundle } from "../build.mjs";
import { startFakePlatform } from "../test/platform/support/fake-platform.ts";
import { machineEnv } from "../test/platform/support/machine-env.ts";
import { signedFetch } from "../test/platform/support/signed-fetch.ts";
import { rssOf } from "./support/proc-stats.ts";
import { writeSessions } from "./support/session-fixture.ts";
import { printTable } from "./support/table.ts";

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 1000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 128);

const home = await mkdtemp(join(tmpdir(), "sessions-bench-"));
const streams = join(home, ".iterate", "streams");
await mkdir(streams, { recursive: true, mode: 0o700 });
process.stderr.write(`writing ${SESSIONS} sessions…\n`);
await writeSessions(streams, { sessions: SESSIONS, messages: MESSAGES });

/** Spawns `args` under node and resolves with the child once a stdout line matches `ready`. */
function startUntil(args: string[], env: NodeJS.ProcessEnv, ready: RegExp) {
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise<{ child: ChildProcess; match: RegExpExecArray }>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = ready.exec(out);
      if (match) resolve({ child, match });
    });
    child.once("exit", (code) => reject(new Error(`exited with ${code}: ${out}`)));
  });
}
async function stop(child: ChildProcess) {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

// Baseline: every conversation held.
const HOLD = fileURLToPath(new URL("../dist/bench/hold-sessions.mjs", import.meta.url));
await build(
  bundleOptions({
    entry: fileURLToPath(new URL("./support/hold-sessions.ts", import.meta.url)),
    outfile: HOLD,
  }),
);
process.stderr.write("baseline: every conversation held…\n");
const baseline = await startUntil([HOLD, streams], { PATH: process.env.PATH }, /HELD (\d+) (\d+)/);
const held = {
  sessions: Number(baseline.match[1]),
  ms: Number(baseline.match[2]),
  rss: await rssOf(baseline.child.pid),
};
await stop(baseline.child);

// Ours: the daemon as machines run it: the bundle under plain node, a clean env.
process.stderr.write("the daemon…\n");
const platform = await startFakePlatform();
const started = performance.now();
const daemon = await startUntil(
  [await ensureDaemonBundle(), "--home", home],
  { PATH: process.env.PATH ?? "/usr/bin:/bin", PORT: "0", ...machineEnv(platform.url) },
  /listening on :(\d+)[\s\S]*start-up recovery done/,
);
const recoveryMs = performance.now() - started;
const rssAfterStart = await rssOf(daemon.child.pid);
const daemonUrl = `http://127.0.0.1:${daemon.match[1]}`;
const [ping] = await platform.waitForPings(1);
if (!ping) throw new Error("no ping");
const key = { machineId: ping.body.machineId, secret: ping.body.secret };
const listMs: number[] = [];
let listed = 0;
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  const res = await signedFetch(daemonUrl, key, "GET", "/agents-api/sessions");
  const body = (await res.json()) as { sessions: unknown[] };
  listMs.push(performance.now() - t);
  listed = body.sessions.length;
}
const rssAfterList = await rssOf(daemon.child.pid);
await stop(daemon.child);
await platform.close();
await rm(home, { recursive: true, force: true });

if (listed !== SESSIONS || held.sessions !== SESSIONS) {
  throw new Error(
    `expected ${SESSIONS} sessions, the daemon listed ${listed}, the baseline ${held.sessions}`,
  );
}
const mb = (value: number) => value.toFixed(0);
const ratio = (ours: number, base: number) => `${(base / ours).toFixed(2)}×`;
const listP50 = [...listMs].sort((a, b) => a - b)[2] as number;
console.log(
  `\nSession memory: ${SESSIONS} sessions × ${MESSAGES} messages (~${((SESSIONS * MESSAGES * 8) / 1024).toFixed(0)} MiB of conversation) on disk\n`,
);
printTable(
  ["metric", "daemon (conversations on demand)", "every conversation held (before)", "ratio"],
  [
    [
      "RSS after reading every session (MB)",
      mb(rssAfterStart),
      mb(held.rss),
      ratio(rssAfterStart, held.rss),
    ],
    ["time to read every session (ms)", mb(recoveryMs), mb(held.ms), ratio(recoveryMs, held.ms)],
    ["RSS after 5 listings (MB)", mb(rssAfterList), "—", ""],
    ["listing all sessions, p50 (ms)", listP50.toFixed(1), "—", ""],
  ],
);
console.log(
  "\nratios: >1× means ours is better. The daemon's time includes its start (spawn to its start-up recovery line).",
);
const target = rssAfterStart < 200 && rssAfterList < 200;
console.log(
  `target (daemon under 200 MB RSS with ${SESSIONS} sessions of ~1 MiB): ${target ? "met" : "MISSED"}`,
);
