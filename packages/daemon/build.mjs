#!/usr/bin/env node
// The daemon ships as one ESM file (ARCHITECTURE "Layout"): src/cli.ts and every dependency
// bundled by esbuild into dist/iterate-daemon.mjs, so a machine needs Node and nothing else.
//
//   node build.mjs             build now
//   node build.mjs --if-stale  build only when a source is newer than the bundle
//
// Plain JavaScript on purpose: it must run with bare `node` before anything is built.
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const packageDir = dirname(fileURLToPath(import.meta.url));
const repoDir = resolve(packageDir, "../..");

/** Absolute path of the daemon bundle: `packages/daemon/dist/iterate-daemon.mjs`. */
export const DAEMON_BUNDLE_PATH = join(packageDir, "dist", "iterate-daemon.mjs");

// Anything that changes what the bundle contains: the daemon's, the contract's and the streams'
// sources, this script, and the dependency versions (package.json files, the lockfile).
const INPUTS = [
  join(packageDir, "src"),
  join(repoDir, "packages/contract/src"),
  join(repoDir, "packages/streams/src"),
  join(packageDir, "build.mjs"),
  join(packageDir, "package.json"),
  join(repoDir, "packages/contract/package.json"),
  join(repoDir, "packages/streams/package.json"),
  join(repoDir, "pnpm-lock.yaml"),
];

// Bundled CommonJS dependencies call `require` for Node builtins; an ESM file has none, so
// the bundle makes one. The alias keeps clear of any top-level `createRequire` in bundled code.
const BANNER =
  'import { createRequire as __iterateCreateRequire } from "node:module";\n' +
  "const require = __iterateCreateRequire(import.meta.url);";

// pi-ai's provider registry imports every provider it knows (Anthropic, Google, Mistral, Bedrock
// SDKs, ~4 MB) lazily by path, and its model catalogue (0.5 MB of data) for `getModel()`. The
// daemon only ever speaks OpenAI chat completions to the platform's LLM proxy with a model it
// describes itself (src/agent/loop/model.ts), so the other providers are replaced by a module
// that says so and the catalogue by an empty one: a smaller bundle parses faster at every cold
// start (the agent code itself is loaded lazily, on the first run).
const PI_AI_UNUSED_PROVIDERS =
  /^\.\/(anthropic|azure-openai-responses|google|google-vertex|mistral|openai-codex-responses|openai-responses|amazon-bedrock)\.js$/;
const onlyOpenAiCompletions = {
  name: "pi-ai-openai-completions-only",
  setup(b) {
    b.onResolve({ filter: PI_AI_UNUSED_PROVIDERS }, (args) =>
      /[\\/]pi-ai[\\/]dist[\\/]providers[\\/]register-builtins\.js$/.test(args.importer)
        ? { path: args.path, namespace: "pi-ai-unused-provider" }
        : undefined,
    );
    b.onResolve({ filter: /^\.\/models\.generated\.js$/ }, (args) =>
      /[\\/]pi-ai[\\/]dist[\\/]models\.js$/.test(args.importer)
        ? { path: args.path, namespace: "pi-ai-no-catalogue" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "pi-ai-no-catalogue" }, () => ({
      contents: "export const MODELS = {};",
      loader: "js",
    }));
    b.onLoad({ filter: /.*/, namespace: "pi-ai-unused-provider" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`the iterate daemon bundles only pi-ai's openai-completions provider, not ${args.path}`)});`,
      loader: "js",
    }));
  },
};

/**
 * The esbuild options of a daemon bundle: what machines run (`buildDaemonBundle`), and what the
 * benchmarks build their servers with, so that they time the code production runs (not the tsx
 * loader's per-file transform, which also wraps every closure it creates in a naming helper).
 *
 * @example await build(bundleOptions({ entry: "bench/support/serve-target.ts", outfile: "dist/bench/serve-target.mjs" }));
 * @param {{ entry: string, outfile: string, external?: string[] }} options `external`: packages
 *   left to Node's resolution at run time (e.g. one with a native addon)
 * @returns {import("esbuild").BuildOptions}
 */
export function bundleOptions({ entry, outfile, external = [] }) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    banner: { js: BANNER },
    plugins: [onlyOpenAiCompletions],
    external,
    // Linked, without sources: stack traces map back to src/ under `node --enable-source-maps`.
    sourcemap: "linked",
    sourcesContent: false,
    legalComments: "none",
    logLevel: "warning",
  };
}

/**
 * Builds the bundle unconditionally and returns its absolute path. The file is written to a
 * temporary name and renamed, so concurrent builds (parallel test files) never expose a torn
 * bundle to a process starting it.
 *
 * @example
 * const bundle = await buildDaemonBundle(); // ".../packages/daemon/dist/iterate-daemon.mjs"
 * @returns {Promise<string>}
 */
export async function buildDaemonBundle() {
  const result = await build({
    ...bundleOptions({ entry: join(packageDir, "src/cli.ts"), outfile: DAEMON_BUNDLE_PATH }),
    write: false,
  });
  await mkdir(dirname(DAEMON_BUNDLE_PATH), { recursive: true });
  const suffix = `.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  // The map first: a process that sees the new bundle also finds its map.
  const isMap = (file) => file.path.endsWith(".map");
  const files = [
    ...result.outputFiles.filter(isMap),
    ...result.outputFiles.filter((f) => !isMap(f)),
  ];
  for (const file of files) {
    await writeFile(file.path + suffix, file.contents);
    await rename(file.path + suffix, file.path).catch(async (error) => {
      await rm(file.path + suffix, { force: true });
      throw error;
    });
  }
  return DAEMON_BUNDLE_PATH;
}

/**
 * True when the bundle is missing or any input (daemon or contract source, this script,
 * package.json, lockfile) was modified after it.
 *
 * @example if (await isDaemonBundleStale()) await buildDaemonBundle();
 * @returns {Promise<boolean>}
 */
export async function isDaemonBundleStale() {
  const built = await stat(DAEMON_BUNDLE_PATH).catch(() => null);
  if (!built) return true;
  for (const input of INPUTS) {
    if ((await newestMtimeMs(input)) > built.mtimeMs) return true;
  }
  return false;
}

/**
 * Makes sure a fresh daemon bundle exists (building it when stale) and returns its absolute
 * path: what tests and packages/local-sandbox start with `node <bundle>`.
 *
 * @example
 * import { ensureDaemonBundle } from "@iterate/daemon/bundle";
 * const bundle = await ensureDaemonBundle();
 * spawn(process.execPath, [bundle, "--home", home], { env });
 * @returns {Promise<string>}
 */
export async function ensureDaemonBundle() {
  if (await isDaemonBundleStale()) await buildDaemonBundle();
  return DAEMON_BUNDLE_PATH;
}

/** Newest mtime of a file, or of any file below a directory (0 when it does not exist). */
async function newestMtimeMs(path) {
  const info = await stat(path).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs; // a deleted file shows only as its directory's mtime
  for (const entry of await readdir(path, { withFileTypes: true })) {
    newest = Math.max(newest, await newestMtimeMs(join(path, entry.name)));
  }
  return newest;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2).filter((arg) => arg !== "--");
  const unknown = args.filter((arg) => arg !== "--if-stale");
  if (unknown.length > 0) {
    console.error(`build.mjs: unknown argument ${unknown[0]}\nusage: node build.mjs [--if-stale]`);
    process.exit(1);
  }
  const started = performance.now();
  if (args.includes("--if-stale") && !(await isDaemonBundleStale())) process.exit(0);
  await buildDaemonBundle();
  const ms = (performance.now() - started).toFixed(0);
  console.error(`built ${DAEMON_BUNDLE_PATH} in ${ms}ms`);
}
