/**
 * Starts the real platform worker for Node-side tests and benchmarks: a fresh temp persist dir,
 * D1 migrations applied with wrangler's own CLI, then wrangler's dev runtime (dev-worker.ts) on a
 * free port with a test ENCRYPTION_KEY and PASSWORD_PEPPER (the developer's .dev.vars is deliberately not read).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startDevWorker } from "./dev-worker.ts";

const root = path.resolve(import.meta.dirname, "../../..");
const wranglerBin = path.join(root, "node_modules/.bin/wrangler");
const configPath = path.join(root, "wrangler.toml");
// Offline like the rest of the tests: no fetch of the `Request.cf` placeholder from the internet.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";

/** A running worker: its URL, its persist dir (for scanning the D1 file) and a stop function. */
export type RunningWorker = {
  url: URL;
  /** The runtime's own socket, without wrangler dev's reload proxy: what benchmarks time. */
  runtimeUrl: URL;
  persistDir: string;
  encryptionKey: string;
  stop(options?: { keepData?: boolean }): Promise<void>;
};

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${cmd} ${args.join(" ")} failed:\n${output}`)),
    );
  });
}

/** Options of {@link startPlatformWorker}. */
export type StartWorkerOptions = {
  /** Port to listen on (0 = any free one). Needed up front when `PLATFORM_URL` must name it. */
  port?: number;
  /** Extra plain-text bindings (vars and secrets), e.g. `LOCAL_SANDBOX_URL`. */
  vars?: Record<string, string>;
  /** The `ENCRYPTION_KEY` (default: a random one). */
  encryptionKey?: string;
  /** Reuse the D1 (and everything else) of an earlier run stopped with `keepData` (no migrations). */
  persistDir?: string;
};

/**
 * @example
 * const worker = await startPlatformWorker();
 * await fetch(new URL("/healthz", worker.url));
 * await worker.stop();
 */
export async function startPlatformWorker(
  options: StartWorkerOptions = {},
): Promise<RunningWorker> {
  const persistDir = options.persistDir ?? (await mkdtemp(path.join(tmpdir(), "iterate-os-")));
  if (!options.persistDir) {
    await run(
      wranglerBin,
      ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir],
      {
        ...process.env,
        CI: "true", // no interactive confirmation
        WRANGLER_SEND_METRICS: "false",
      },
    );
  }
  const encryptionKey = options.encryptionKey ?? randomBytes(32).toString("base64");
  const worker = await startDevWorker({
    config: configPath,
    envFiles: [],
    bindings: {
      ENCRYPTION_KEY: { type: "secret_text", value: encryptionKey },
      PASSWORD_PEPPER: { type: "secret_text", value: randomBytes(32).toString("base64") },
      ...Object.fromEntries(
        Object.entries(options.vars ?? {}).map(([name, value]) => [
          name,
          { type: "secret_text" as const, value },
        ]),
      ),
    },
    sendMetrics: false,
    dev: {
      server: { hostname: "127.0.0.1", port: options.port ?? 0 },
      inspector: false,
      persist: persistDir,
      watch: false,
      liveReload: false,
      logLevel: "warn",
    },
  });
  let stopped = false;
  return {
    url: worker.url,
    runtimeUrl: worker.runtimeUrl,
    persistDir,
    encryptionKey,
    async stop({ keepData = false } = {}) {
      if (!stopped) {
        stopped = true;
        await worker.dispose();
      }
      if (!keepData) await rm(persistDir, { recursive: true, force: true });
    },
  };
}
