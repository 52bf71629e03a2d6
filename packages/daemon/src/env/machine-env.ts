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
  /** Replaces the instance env (persisted), then re-applies it; later `runEnv()` calls see it. */
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
  /**
   * Kept in sync with the merged env (usually `process.env`), so code that reads its own
   * process env — an agent library picking up `OPENAI_API_KEY` — also sees the reload.
   */
  target?: Record<string, string | undefined>;
}

/**
 * Builds the machine env with the one precedence rule of the contract (`mergeMachineEnv`):
 * daemon process env < OS-provided defaults < instance env; reserved `ITERATE_*` names always
 * keep the platform's values.
 *
 * @example
 * const machineEnv = createMachineEnv({ base: { ...process.env }, identity, workspaceDir, store, target: process.env });
 * await machineEnv.replaceInstanceEnv({ OPENAI_BASE_URL: "https://llm.example/v1" });
 * execFile("node", ["agent.js"], { env: machineEnv.runEnv() });
 */
export function createMachineEnv(options: MachineEnvOptions): MachineEnv {
  const base = Object.freeze({ ...options.base });
  const osProvided = {
    ...osProvidedEnv(options.identity),
    ITERATE_WORKSPACE: options.workspaceDir,
  };
  const runEnv = () => mergeMachineEnv({ base, osProvided, instance: options.store.get() });
  let applied: Record<string, string> = {};

  function apply(): void {
    const target = options.target;
    if (!target) return;
    const next = runEnv();
    // Names dropped from the merged env (an instance var deleted) leave the process env too.
    for (const name of Object.keys(applied)) if (!(name in next)) delete target[name];
    for (const [name, value] of Object.entries(next)) target[name] = value;
    applied = next;
  }
  apply();

  return {
    runEnv,
    async replaceInstanceEnv(env) {
      await options.store.replace(env);
      apply();
    },
  };
}
