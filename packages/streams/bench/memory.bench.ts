/**
 * Memory benchmark of the file store, measured the way the daemon runs — plain
 * compiled JavaScript, no TypeScript loader in the process (tsx alone adds
 * ~48 MB of RSS): the package is compiled with `tsc` into a temporary
 * directory and `test/support/memory-probe.ts` runs there, one fresh process
 * per scenario.
 *
 *   (a) 1 000 000 small appends to one stream (after a 100 000-append warm-up):
 *       RSS and live heap they add. Target: under 20 MB.
 *   (b) 1 000 streams × 1 MiB (4 KiB appends) written, then reopened in a new
 *       process and each read once, to its end. Target: RSS under 200 MB.
 *
 * Run: `pnpm --filter @iterate/streams bench` (part of `pnpm bench`). Knobs:
 * BENCH_APPENDS, BENCH_STREAMS, BENCH_STREAM_MIB.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const PACKAGE = fileURLToPath(new URL("..", import.meta.url));
const APPENDS = Number(process.env.BENCH_APPENDS ?? 1_000_000);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 1000);
const STREAM_MIB = Number(process.env.BENCH_STREAM_MIB ?? 1);

const work = await mkdtemp(join(tmpdir(), "streams-memory-bench-"));
try {
  process.stderr.write("compiling the package…\n");
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const build = join(work, "build");
  await run(process.execPath, [
    tsc,
    "-p",
    join(PACKAGE, "tsconfig.json"),
    "--noEmit",
    "false",
    "--outDir",
    build,
    "--rewriteRelativeImportExtensions",
  ]);
  // The compiled files resolve `hono` and `@hono/node-server` through the package's own node_modules.
  await symlink(join(PACKAGE, "node_modules"), join(build, "node_modules"));
  const probe = async (...args: string[]) => {
    const { stdout } = await run(
      process.execPath,
      ["--expose-gc", join(build, "test/support/memory-probe.js"), ...args],
      { maxBuffer: 1 << 20 },
    );
    return JSON.parse(stdout.trim().split("\n").at(-1) as string) as Record<string, number>;
  };

  process.stderr.write(`(a) ${APPENDS} appends to one stream…\n`);
  const appends = await probe("appends", join(work, "appends"), String(APPENDS));
  await rm(join(work, "appends"), { recursive: true, force: true });

  process.stderr.write(`(b) writing ${STREAMS} streams × ${STREAM_MIB} MiB…\n`);
  const data = join(work, "streams");
  await probe("write", data, String(STREAMS), String(STREAM_MIB));
  process.stderr.write("(b) reopening and reading each once…\n");
  const reopen = await probe("reopen", data);

  const rows: [string, string, string][] = [
    [`(a) ${APPENDS} × 32 B appends, one stream`, `${appends.seconds} s`, ""],
    [
      "    RSS before warm-up / after warm-up / after (MB)",
      `${appends.rssCold} / ${appends.rssWarm} / ${appends.rssAfter}`,
      "",
    ],
    [
      "    RSS added by the appends (MB)",
      String(appends.rssAdded),
      verdict((appends.rssAdded ?? 0) < 20, "< 20"),
    ],
    ["    live heap added (MB)", String(appends.heapAdded), ""],
    [
      `(b) ${STREAMS} streams × ${STREAM_MIB} MiB, reopened`,
      `opened in ${reopen.openSeconds} s`,
      "",
    ],
    ["    RSS after opening (MB)", String(reopen.rssOpened), ""],
    [
      `    RSS after reading all ${reopen.readMiB} MiB once (MB)`,
      String(reopen.rssAfterReads),
      verdict((reopen.rssAfterReads ?? 0) < 200, "< 200"),
    ],
    [
      "    RSS peak while reading (MB)",
      String(reopen.rssPeak),
      verdict((reopen.rssPeak ?? 0) < 200, "< 200"),
    ],
  ];
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
  console.log("\nFile store memory (default options: 64 MiB payload cache, 1 MiB per stream)\n");
  for (const [name, value, target] of rows) {
    console.log(
      `${name.padEnd(widths[0] as number)}  ${value.padStart(widths[1] as number)}  ${target}`,
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

function verdict(ok: boolean, target: string): string {
  return `target ${target}: ${ok ? "met" : "MISSED"}`;
}
