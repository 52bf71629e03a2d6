import { mergeMachineEnv, osProvidedEnv } from "@iterate/contract";
import type { MachineIdentity } from "../credentials.ts";
import type { InstanceEnvStore } from "./instance-env-store.ts";

/** The env every agent run and child process gets, hot-reloadable. */
export interface MachineEnv {
  /**
   * The merged env to start a child process with, computed from the current instance env:
   * `execFile(cmd, args, { env: machineEnv.runEnv() })`.
   */
  runEnv(): Record<string, string>;
  /** Replaces the instance env (persisted); later `runEnv()` calls see it. */
  replaceInstanceEnv(env: Record<string, string>): Promise<void>;
}

/** Options of {@link createMachineEnv}. */
export interface MachineEnvOptions {
  /** The daemon's own process env, snapshotted at start (lowest precedence). */
  base: Readonly<Record<string, string | undefined>>;
  identity: MachineIdentity;
  /** Absolute workspace path; replaces the contract's `~/workspace` so children need no `~` expansion. */
  workspaceDir: string;
  store: InstanceEnvStore;
}

/**
 * Builds the machine env with the one precedence rule of the contract (`mergeMachineEnv`):
 * daemon process env < OS-provided defaults < instance env; reserved `ITERATE_*` names always
 * keep the platform's values.
 *
 * It is only ever handed to the agents' child processes. The daemon's own `process.env` is
 * never touched: an instance var like `NODE_TLS_REJECT_UNAUTHORIZED=0`, `PATH`, `HOME` or
 * `GIT_DIR`, meant for the instance's tools, must not steer the daemon's own ping or git.
 *
 * @example
 * const machineEnv = createMachineEnv({ base: { ...process.env }, identity, workspaceDir, store });
 * await machineEnv.replaceInstanceEnv({ OPENAI_BASE_URL: "https://llm.example/v1" });
 * execFile("node", ["agent.js"], { env: machineEnv.runEnv() });
 */
export function createMachineEnv(options: MachineEnvOptions): MachineEnv {
  const base = Object.freeze({ ...options.base });
  const osProvided = {
    ...osProvidedEnv(options.identity),
    ITERATE_WORKSPACE: options.workspaceDir,
  };
  return {
    runEnv: () => mergeMachineEnv({ base, osProvided, instance: options.store.get() }),
    replaceInstanceEnv: (env) => options.store.replace(env),
  };
}
