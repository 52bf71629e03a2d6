import { z } from "zod";

/** Prefix of every sandbox id: `sbx_` + 20 characters of [0-9a-z] (the contract's `randomId`). */
export const SANDBOX_ID_PREFIX = "sbx";

/** Largest request body the service reads (the env of one machine fits many times over). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Lifecycle of a sandbox: `starting` until the daemon prints its listening line, then `running`;
 * `stopped` once the daemon exited after running; `failed` when it never came up (exited early,
 * timed out, could not be spawned).
 */
export type SandboxState = "starting" | "running" | "stopped" | "failed";

/** A sandbox as every route answers it (`{ sandbox }`, `{ sandboxes: [...] }`). */
export interface Sandbox {
  /** `sbx_…` */
  id: string;
  state: SandboxState;
  /** `http://127.0.0.1:<port>` of the daemon; null until it listens (so also when it failed to). */
  url: string | null;
  labels: Record<string, string>;
  /** The daemon's process id; null only when it could not be spawned. */
  pid: number | null;
  /** ISO 8601. */
  createdAt: string;
  /** Set once the daemon exited; a daemon killed by a signal reports 128 + the signal number. */
  exitCode: number | null;
  /** Why the sandbox failed, in words; null otherwise. */
  error: string | null;
}

/** Env names a process can receive: a letter or `_`, then letters, digits, `_`. */
const envNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "env names are letters, digits and _ (not first a digit)");
// A NUL cannot travel in a process env; the message names the variable, never the value.
const envValueSchema = z.string().refine((value) => !value.includes("\0"), "contains a NUL byte");
/** Label keys cannot hold `=`: the list filter is `?label=key=value`. */
const labelKeySchema = z.string().regex(/^[^=]{1,128}$/, "label keys are 1–128 characters, no =");

/**
 * Body of `POST /sandboxes`. `env` is the daemon's whole process env (plus `PORT`, `HOME` and
 * `ITERATE_EXIT_WITH_PARENT`, set by the service, and `PATH` when absent).
 *
 * @example
 * createSandboxBodySchema.parse({ env: { ITERATE_MACHINE_ID: "mch_…" }, labels: { instance: "ins_…" } })
 */
export const createSandboxBodySchema = z.object({
  env: z.record(envNameSchema, envValueSchema),
  labels: z.record(labelKeySchema, z.string().max(1024)).optional(),
});

/** Parsed body of `POST /sandboxes`. */
export type CreateSandboxBody = z.infer<typeof createSandboxBodySchema>;
