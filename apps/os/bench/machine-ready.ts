/**
 * `pnpm --filter @iterate/os bench` (part): sign-up → `ready` on the local provider — the path a
 * new user takes — over several runs against the real worker, real local-sandbox and real daemon
 * bundle, with the time spent in each status (seen by polling the JSON API every 5 ms). Measured in
 * the same run as the baselines: the bundled daemon's bare cold start (spawn → `/healthz` 200) and a
 * bare `git clone` of the repository the rebuild runs use. Platform overhead = total − daemon cold
 * start − git clone. Targets: median sign-up → ready < 3 s (aim 1 s), overhead < 300 ms, cold
 * start < 200 ms.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { ensureDaemonBundle } from "../../../packages/daemon/build.mjs";
import { type RunningPlatform, startPlatform } from "../browser/start-platform.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 8);
const STATUSES = ["creating", "starting", "bootstrapping", "ready"] as const;
type Status = (typeof STATUSES)[number];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const max = (xs: number[]) => Math.max(...xs);
const ms = (x: number) => `${x.toFixed(0).padStart(5)} ms`;

/** Spawn → first 200 from `/healthz` of the bundled daemon, with a platform that is not there. */
async function daemonColdStart(bundle: string): Promise<number> {
  const home = await mkdtemp(path.join(tmpdir(), "bench-daemon-"));
  const started = performance.now();
  const child = spawn(process.execPath, [bundle, "--home", home], {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      PORT: "0",
      ITERATE_PLATFORM_URL: "http://127.0.0.1:9",
      ITERATE_INSTANCE_ID: "ins_bench",
      ITERATE_MACHINE_ID: "mch_bench",
      ITERATE_MACHINE_TOKEN: `itk_tok_${"0".repeat(20)}_${"a".repeat(43)}`,
    },
    stdio: ["ignore", "pipe", "ignore"],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        const m = out.match(/listening on :(\d+)/);
        if (m) resolve(Number(m[1]));
      });
      child.once("exit", (code) => reject(new Error(`daemon exited ${code}`)));
    });
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return performance.now() - started;
    }
  } finally {
    child.kill("SIGKILL");
    await rm(home, { recursive: true, force: true });
  }
}

/** A small git repository (a few files, two commits) to clone. */
async function makeRepo(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "bench-repo-"));
  const git = (...args: string[]) => spawnSync("git", args, { cwd: dir, stdio: "ignore" });
  git("init", "-q", "-b", "main");
  for (let i = 0; i < 20; i++)
    await writeFile(path.join(dir, `file-${i}.md`), `# file ${i}\n`.repeat(50));
  await writeFile(path.join(dir, "AGENTS.md"), "Be helpful.\n");
  git("add", ".");
  git("-c", "user.email=b@e", "-c", "user.name=bench", "commit", "-qm", "one");
  return dir;
}

function gitClone(repo: string): number {
  const target = path.join(tmpdir(), `bench-clone-${crypto.randomUUID()}`);
  const started = performance.now();
  spawnSync("git", ["clone", "-q", `file://${repo}`, target], { stdio: "ignore" });
  const took = performance.now() - started;
  spawnSync("rm", ["-rf", target]);
  return took;
}

type Run = { total: number; steps: Record<Status, number> };

/** Polls the machines API until ready, noting when each status was first seen. */
async function watch(
  platform: RunningPlatform,
  instanceId: string,
  cookie: string,
  started: number,
  notId?: string,
): Promise<Run> {
  const seen: Partial<Record<Status, number>> = {};
  for (;;) {
    const res = await fetch(new URL(`/api/instances/${instanceId}/machines`, platform.worker.url), {
      headers: { cookie },
    });
    const { current } = (await res.json()) as {
      current: { id: string; status: Status; error: string | null } | null;
    };
    const now = performance.now();
    if (current && current.id !== notId) {
      seen[current.status] ??= now;
      if (current.status === "ready") break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const at = (s: Status) =>
    seen[s] ?? seen[STATUSES[STATUSES.indexOf(s) + 1] as Status] ?? performance.now();
  const ready = seen.ready as number;
  return {
    total: ready - started,
    steps: {
      creating: at("starting") - started,
      starting: at("bootstrapping") - at("starting"),
      bootstrapping: ready - at("bootstrapping"),
      ready,
    },
  };
}

async function signUpToReady(
  platform: RunningPlatform,
): Promise<Run & { instanceId: string; cookie: string }> {
  const started = performance.now();
  const res = await fetch(new URL("/api/auth/signup", platform.worker.url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      email: `bench-${crypto.randomUUID()}@example.com`,
      password: "a bench password",
    }),
  });
  if (res.status !== 201) throw new Error(`sign-up answered ${res.status}`);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const { instance } = (await res.json()) as { instance: { id: string } };
  return {
    ...(await watch(platform, instance.id, cookie, started)),
    instanceId: instance.id,
    cookie,
  };
}

function report(label: string, runs: Run[], coldStart: number, clone: number) {
  const totals = runs.map((r) => r.total);
  const overhead = runs.map((r) => r.total - coldStart - clone);
  console.log(`\n${label} (${runs.length} runs; median / max)`);
  for (const [step, what] of [
    ["creating", "create-sandbox (local-sandbox spawns the daemon)"],
    ["starting", "waiting for the daemon's ping"],
    ["bootstrapping", "bootstrap + activate"],
  ] as const) {
    const xs = runs.map((r) => r.steps[step]);
    console.log(`  ${step.padEnd(14)} ${ms(median(xs))} / ${ms(max(xs))}   ${what}`);
  }
  console.log(
    `  ${"total".padEnd(14)} ${ms(median(totals))} / ${ms(max(totals))}   target < 3000 ms (aim 1000)`,
  );
  console.log(
    `  ${"overhead".padEnd(14)} ${ms(median(overhead))} / ${ms(max(overhead))}   total − cold start${clone ? " − git clone" : ""}; target < 300 ms`,
  );
  console.log(`  total / daemon cold start = ${(median(totals) / coldStart).toFixed(2)}×`);
}

async function main() {
  const bundle = await ensureDaemonBundle();
  const platform = await startPlatform();
  const repo = await makeRepo();
  try {
    await signUpToReady(platform); // warm-up: worker isolate, bundle in the page cache
    const signUps: Run[] = [];
    const rebuilds: Run[] = [];
    const colds: number[] = [];
    const clones: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Interleaved, so the baselines see the same machine load as the runs they are compared to.
      colds.push(await daemonColdStart(bundle));
      const run = await signUpToReady(platform);
      signUps.push(run);
      clones.push(gitClone(repo));
      const patch = await fetch(new URL(`/api/instances/${run.instanceId}`, platform.worker.url), {
        method: "PATCH",
        headers: { cookie: run.cookie, "content-type": "application/json" },
        body: JSON.stringify({ repoUrl: `file://${repo}` }),
      });
      if (!patch.ok) throw new Error(`settings answered ${patch.status}`);
      const old = (await (
        await fetch(new URL(`/api/instances/${run.instanceId}/machines`, platform.worker.url), {
          headers: { cookie: run.cookie },
        })
      ).json()) as { current: { id: string } };
      const started = performance.now();
      const rebuilt = await fetch(
        new URL(`/api/instances/${run.instanceId}/machines/rebuild`, platform.worker.url),
        { method: "POST", headers: { cookie: run.cookie } },
      );
      if (rebuilt.status !== 202) throw new Error(`rebuild answered ${rebuilt.status}`);
      rebuilds.push(await watch(platform, run.instanceId, run.cookie, started, old.current.id));
    }
    const coldStart = median(colds);
    const clone = median(clones);
    console.log(
      "\nmachine lifecycle on the local provider (real worker, local-sandbox, daemon bundle)",
    );
    console.log(
      `  daemon cold start (bare, same run)  ${ms(coldStart)} median / ${ms(max(colds))} max   target < 200 ms`,
    );
    console.log(`  git clone of the repo (bare)        ${ms(clone)} median`);
    report("sign-up → ready (no repository)", signUps, coldStart, 0);
    report(
      "rebuild → ready (archive the old machine, clone a 21-file repository)",
      rebuilds,
      coldStart,
      clone,
    );
  } finally {
    await platform.stop();
    await rm(repo, { recursive: true, force: true });
  }
}

await main();
