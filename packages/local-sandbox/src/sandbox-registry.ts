import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { AppError, randomId } from "@iterate/contract";
import type { DaemonPidfile } from "./daemon-pidfile.ts";
import { type DaemonProcess, spawnDaemon } from "./daemon-process.ts";
import { type CreateSandboxBody, SANDBOX_ID_PREFIX, type Sandbox } from "./sandbox.ts";

/** Options of {@link createSandboxRegistry}. */
export interface SandboxRegistryOptions {
  /** Sandbox `sbx_x` lives in `<root>/machines/sbx_x` (HOME in `home/`, output in `daemon.log`). */
  root: string;
  /** The daemon script to run with node; resolved at every create, so a rebuilt bundle is picked up. */
  daemonBundle: () => Promise<string>;
  /** SIGTERM → SIGKILL grace of stop, delete and close. */
  stopGraceMs: number;
  /** How long a daemon may take to print its listening line. */
  startTimeoutMs: number;
  /** `PATH` for daemons whose env has none: the service's own. */
  path: string | undefined;
  /** Settings every daemon gets under the given env (e.g. tests' `ITERATE_SSE_MAX_MS`). */
  daemonEnv?: Record<string, string>;
  pidfile: DaemonPidfile;
  log: (line: string) => void;
}

/** A create either answers the running sandbox or says, in words, why its daemon never listened. */
export type CreateOutcome = { ok: true; sandbox: Sandbox } | { ok: false; reason: string };

/** The sandboxes of one service run, held in memory; every daemon is a child of this process. */
export interface SandboxRegistry {
  create(body: CreateSandboxBody): Promise<CreateOutcome>;
  /** Sandboxes carrying every given label. */
  list(labels: Record<string, string>): Sandbox[];
  get(id: string): Sandbox | null;
  /** Stops the daemon (SIGTERM, SIGKILL after the grace); null when unknown. */
  stop(id: string): Promise<Sandbox | null>;
  /** Stops the daemon and removes its directory; false when unknown. */
  delete(id: string): Promise<boolean>;
  /** Refuses new sandboxes and stops every daemon (their directories stay). */
  close(): Promise<void>;
  /** SIGKILLs every daemon synchronously, for `process.on("exit")`. */
  killAll(): void;
}

interface Entry {
  sandbox: Sandbox;
  dir: string;
  daemon: DaemonProcess;
  /** A stop or delete asked for the exit: an early exit then is `stopped`, not `failed`. */
  stopRequested: boolean;
}

/**
 * Creates daemons as child processes with their own HOME and tracks their state.
 *
 * @example
 * const registry = createSandboxRegistry({ root, daemonBundle: ensureDaemonBundle, stopGraceMs: 5000,
 *   startTimeoutMs: 15_000, path: process.env.PATH, pidfile, log: console.log });
 * const outcome = await registry.create({ env: machineEnv, labels: { instance: "ins_…" } });
 */
export function createSandboxRegistry(options: SandboxRegistryOptions): SandboxRegistry {
  const entries = new Map<string, Entry>();
  let closing = false;
  const snapshot = (sandbox: Sandbox): Sandbox => ({ ...sandbox, labels: { ...sandbox.labels } });

  return {
    async create(body) {
      let bundle: string;
      try {
        bundle = await options.daemonBundle();
      } catch (error) {
        // Usually a daemon source that does not compile (the default bundle is rebuilt when stale).
        const detail = String((error as Error).message)
          .replace(/\s+/g, " ")
          .slice(0, 500);
        return { ok: false, reason: `the daemon bundle could not be built: ${detail}` };
      }
      const id = randomId(SANDBOX_ID_PREFIX);
      const dir = join(options.root, "machines", id);
      const home = join(dir, "home");
      await mkdir(home, { recursive: true });
      // Checked after the awaits: a sandbox spawned once close() took its list would outlive it.
      if (closing) throw new AppError("machine_not_ready", "local-sandbox is shutting down", 503);
      // The given env, exactly; only what makes a local daemon work is the service's to set.
      const env: Record<string, string> = {
        ...(options.path !== undefined ? { PATH: options.path } : {}),
        ...options.daemonEnv,
        ...body.env,
        HOME: home,
        PORT: "0",
        // Loopback only: a developer's machines must not be reachable from their network.
        HOST: "127.0.0.1",
        ITERATE_EXIT_WITH_PARENT: "1",
      };
      const daemon = spawnDaemon({
        bundle,
        home,
        env,
        logPath: join(dir, "daemon.log"),
        startTimeoutMs: options.startTimeoutMs,
      });
      const sandbox: Sandbox = {
        id,
        state: "starting",
        url: null,
        labels: { ...body.labels },
        pid: daemon.pid ?? null,
        createdAt: new Date().toISOString(),
        exitCode: null,
        error: null,
      };
      const entry: Entry = { sandbox, dir, daemon, stopRequested: false };
      entries.set(id, entry);
      if (daemon.pid !== undefined) options.pidfile.add({ id, pid: daemon.pid, home });

      // "started" settles before "exited" (a failed start settles at the exit), so the state is
      // decided here and the exit only adds its code.
      void daemon.started.then((start) => {
        if (start.ok) {
          sandbox.state = "running";
          sandbox.url = `http://127.0.0.1:${start.port}`;
        } else if (entry.stopRequested) {
          sandbox.state = "stopped";
        } else {
          sandbox.state = "failed";
          sandbox.error = start.reason;
        }
      });
      void daemon.exited.then((code) => {
        sandbox.exitCode = code;
        if (sandbox.state === "running") sandbox.state = "stopped";
        options.pidfile.remove(id);
      });

      const start = await daemon.started;
      if (!start.ok) {
        options.log(`local-sandbox: create ${id} failed (see ${join(dir, "daemon.log")})`);
        return { ok: false, reason: `sandbox ${id}: ${start.reason}` };
      }
      options.log(`local-sandbox: created ${id} (pid ${sandbox.pid}, port ${start.port})`);
      return { ok: true, sandbox: snapshot(sandbox) };
    },

    list(labels) {
      const wanted = Object.entries(labels);
      return [...entries.values()]
        .map((entry) => entry.sandbox)
        .filter((sandbox) =>
          wanted.every(
            ([key, value]) => Object.hasOwn(sandbox.labels, key) && sandbox.labels[key] === value,
          ),
        )
        .map(snapshot);
    },

    get(id) {
      const entry = entries.get(id);
      return entry ? snapshot(entry.sandbox) : null;
    },

    async stop(id) {
      const entry = entries.get(id);
      if (!entry) return null;
      entry.stopRequested = true;
      await entry.daemon.stop(options.stopGraceMs);
      options.log(`local-sandbox: stopped ${id}`);
      return snapshot(entry.sandbox);
    },

    async delete(id) {
      const entry = entries.get(id);
      if (!entry) return false;
      entry.stopRequested = true;
      await entry.daemon.stop(options.stopGraceMs);
      // A second delete racing this one finds the same entry; both remove (idempotent) and answer 204.
      await rm(entry.dir, { recursive: true, force: true });
      entries.delete(id);
      options.log(`local-sandbox: deleted ${id}`);
      return true;
    },

    async close() {
      closing = true;
      await Promise.all(
        [...entries.values()].map((entry) => {
          entry.stopRequested = true;
          return entry.daemon.stop(options.stopGraceMs);
        }),
      );
    },

    killAll() {
      closing = true;
      for (const entry of entries.values()) entry.daemon.kill();
    },
  };
}
