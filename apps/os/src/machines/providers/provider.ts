/**
 * The machine provider contract: where sandboxes come from. Two adapters implement it —
 * `daytona.ts` (production, through `@daytonaio/sdk`) and `local.ts` (`packages/local-sandbox`,
 * for `pnpm dev` and tests). The MachineWorkflow is their only caller.
 *
 * Every sandbox carries the labels {@link MACHINE_LABEL} and {@link INSTANCE_LABEL}, so a retried
 * `create-sandbox` step finds the sandbox an earlier attempt made instead of making a second one.
 */

/** Which adapter made a machine (`machines.provider`). */
export type ProviderName = "local" | "daytona";

/** Label naming the machine a sandbox belongs to (`mch_…`). */
export const MACHINE_LABEL = "iterate.machine";
/** Label naming the instance a sandbox belongs to (`ins_…`). */
export const INSTANCE_LABEL = "iterate.instance";

/** What to create. */
export interface SandboxSpec {
  machineId: string;
  instanceId: string;
  /** The complete machine env (reserved names, OS defaults, instance vars). Secret: never log it. */
  env: Record<string, string>;
  /** Extra labels; the adapter adds {@link MACHINE_LABEL} and {@link INSTANCE_LABEL} itself. */
  labels?: Record<string, string>;
}

/** A created sandbox, as the platform reaches its daemon. */
export interface Sandbox {
  /** The provider's own id of the sandbox. */
  externalId: string;
  /** Base URL of the daemon (port 3000 inside the sandbox), e.g. `https://3000-abc.proxy.daytona.works`. */
  daemonUrl: string;
  /**
   * Headers every request to the daemon must carry (Daytona: `x-daytona-preview-token`).
   * Secret: stored encrypted, never logged.
   */
  headers: Record<string, string>;
}

/** A sandbox's state as the provider reports it. */
export type SandboxState = "starting" | "running" | "stopped" | "failed" | "missing";

/** One interface, two adapters (STYLE.md 2). */
export interface MachineProvider {
  readonly name: ProviderName;
  /**
   * The usable sandbox made for `machineId` (by label), or null when there is none. Sandboxes of
   * the machine in a failed state (a start that failed) are deleted on the way, best effort: no
   * row knows their id, and a retried create must start afresh rather than reuse one. For a
   * machine being created or no longer live — a failed sandbox of a ready machine may still be
   * recoverable, with the instance's sessions on its disk.
   */
  find(machineId: string): Promise<Sandbox | null>;
  /** Creates and starts a sandbox running the daemon with `spec.env`. */
  create(spec: SandboxSpec): Promise<Sandbox>;
  /** The sandbox's state; `missing` when the provider does not know it. */
  state(externalId: string): Promise<SandboxState>;
  /** Stops and deletes the sandbox. Idempotent: deleting a missing sandbox succeeds. */
  delete(externalId: string): Promise<void>;
}

/**
 * A provider call that failed; `message` is in words a user understands (Daytona's own message
 * for a bad snapshot, local-sandbox's for a daemon that would not start) and holds no secret.
 */
export class ProviderError extends Error {
  override name = "ProviderError";
  /** HTTP status of the provider's answer, when there was one. */
  readonly status?: number;
  constructor(message: string, options?: { status?: number; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.status = options?.status;
  }
}

/**
 * The labels every sandbox of a machine carries.
 * @example sandboxLabels({ machineId: "mch_1", instanceId: "ins_1" }) // { "iterate.machine": "mch_1", "iterate.instance": "ins_1" }
 */
export function sandboxLabels(spec: Pick<SandboxSpec, "machineId" | "instanceId" | "labels">) {
  return { ...spec.labels, [MACHINE_LABEL]: spec.machineId, [INSTANCE_LABEL]: spec.instanceId };
}
