/**
 * `MachineWorkflow` — one run per machine, id = machine id (ARCHITECTURE "The handshake"):
 *
 *   create-sandbox → wait for event `daemon-ping` → bootstrap → activate
 *
 * The status moves `creating` → `starting` → `bootstrapping` → `ready` in D1 as it goes. Every
 * side effect is inside a `step.do` with a stable name and a time-out, and is idempotent: a
 * retried `create-sandbox` finds the sandbox an earlier attempt made (by label) instead of making
 * a second one, and every status change is a guarded transition, so a machine archived by a
 * rebuild meanwhile is never revived. Any failure ends in step `fail`: the machine becomes
 * `failed` with an error a user understands, its sandbox deleted and its token revoked.
 */
import {
  WorkflowEntrypoint,
  type WorkflowEvent,
  type WorkflowSleepDuration,
  type WorkflowStep,
} from "cloudflare:workers";
import { errorBodySchema, osProvidedEnv } from "@iterate/contract";
import type { Bindings } from "../app-env.ts";
import { mintMachineToken, revokeMachineTokens } from "../db/access-tokens.ts";
import { createDb } from "../db/client.ts";
import { findInstanceById } from "../db/instances.ts";
import { findMachine, isLive, transitionMachine } from "../db/machines.ts";
import { keyringFromEnv } from "../keyring.ts";
import { sendInstanceEnv } from "./env-push.ts";
import { providerHeadersAad, signedFetch } from "./fetch-for-instance.ts";
import { instanceObject } from "./instance-do.ts";
import { deleteSandbox, failMachine } from "./lifecycle.ts";
import { providerFor } from "./machine-provider.ts";

/**
 * What a run is created with. A run with `purpose: "delete-sandbox"` (id `<machineId>-cleanup`,
 * lifecycle.ts) only deletes the sandbox of a machine that is no longer live, retrying for hours.
 */
export type MachineWorkflowParams = {
  machineId: string;
  instanceId: string;
  purpose?: "delete-sandbox";
};

/** The event the ping route sends when the machine's daemon said "here I am". */
export const DAEMON_PING_EVENT = "daemon-ping";

/** Default of `MACHINE_PING_TIMEOUT`. */
export const DEFAULT_PING_TIMEOUT = "5 minutes";

/** Step time-outs and retries; the Machines page shows the time-out of the step a machine is in. */
export const STEP_CONFIG = {
  "create-sandbox": {
    retries: { limit: 3, delay: "2 seconds", backoff: "exponential" },
    timeout: "3 minutes",
  },
  // A bad repository fails the same way every time: two quick retries cover a network blip.
  bootstrap: {
    retries: { limit: 2, delay: "1 second", backoff: "exponential" },
    timeout: "5 minutes",
  },
  activate: {
    retries: { limit: 3, delay: "1 second", backoff: "exponential" },
    timeout: "1 minute",
  },
  fail: { retries: { limit: 5, delay: "2 seconds", backoff: "exponential" }, timeout: "2 minutes" },
  // 5 s, 10 s, 20 s … : about 5 hours of tries before the run gives up.
  "delete-sandbox": {
    retries: { limit: 12, delay: "5 seconds", backoff: "exponential" },
    timeout: "2 minutes",
  },
} as const;

/** A failure whose message is already in words for the Machines page. */
class MachineFailure extends Error {
  override name = "MachineFailure";
}

export class MachineWorkflow extends WorkflowEntrypoint<Bindings, MachineWorkflowParams> {
  override async run(event: WorkflowEvent<MachineWorkflowParams>, step: WorkflowStep) {
    const { machineId } = event.payload;
    if (event.payload.purpose === "delete-sandbox") {
      await step.do("delete-sandbox", STEP_CONFIG["delete-sandbox"], async () => {
        const machine = await findMachine(createDb(this.env.DB), machineId);
        // Never the sandbox of a live machine, whatever created this run.
        if (machine && !isLive(machine)) await deleteSandbox(this.env, machine);
      });
      return;
    }
    try {
      const pingTimeout = pingTimeoutOf(this.env);
      const created = await phase("Creating the sandbox", () =>
        step.do("create-sandbox", STEP_CONFIG["create-sandbox"], () =>
          createSandbox(this.env, machineId),
        ),
      );
      if (!created) return; // archived meanwhile: nothing left to do
      try {
        // Buffered: a ping that arrived before this point (Daytona starts the daemon before
        // `create` returns) is delivered here at once.
        await step.waitForEvent(DAEMON_PING_EVENT, {
          type: DAEMON_PING_EVENT,
          timeout: pingTimeout,
        });
      } catch {
        throw new MachineFailure(`The daemon did not report within ${pingTimeout}.`);
      }
      const booted = await phase("Bootstrapping the workspace", () =>
        step.do("bootstrap", STEP_CONFIG.bootstrap, () => bootstrap(this.env, machineId)),
      );
      if (!booted) return;
      await phase("Activating the machine", () =>
        step.do("activate", STEP_CONFIG.activate, () => activate(this.env, machineId)),
      );
    } catch (error) {
      const message = (error as Error).message || String(error);
      await step.do("fail", STEP_CONFIG.fail, () => failMachine(this.env, machineId, message));
    }
  }
}

/** `MACHINE_PING_TIMEOUT` as a workflow duration ("90 seconds", "5 minutes"); a typo fails loudly. */
function pingTimeoutOf(env: Bindings): WorkflowSleepDuration {
  const value = env.MACHINE_PING_TIMEOUT || DEFAULT_PING_TIMEOUT;
  if (!/^\d+ (second|minute|hour)s?$/.test(value)) {
    throw new MachineFailure(`MACHINE_PING_TIMEOUT must read like "5 minutes", not "${value}".`);
  }
  return value as WorkflowSleepDuration;
}

/** Prefixes a step's error with what was being done, unless it is already a user message. */
async function phase<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const message = (error as Error).message || String(error);
    throw new MachineFailure(
      error instanceof MachineFailure ? message : `${what} failed: ${message}`,
    );
  }
}

/**
 * Step `create-sandbox`: the existing sandbox of this machine, or a new one with a fresh machine
 * token and the OS-provided env only — the instance's env vars reach the daemon through signed
 * `PUT /platform/env` in `bootstrap`, so they never become the daemon's own process env (where a
 * deleted var would linger and `NODE_OPTIONS` would steer the daemon). Returns nothing secret
 * (step results are persisted).
 */
async function createSandbox(env: Bindings, machineId: string) {
  const db = createDb(env.DB);
  const machine = await findMachine(db, machineId);
  if (!machine || !isLive(machine)) return null;
  const provider = providerFor(env, machine.provider);
  let sandbox = await provider.find(machineId);
  let accessTokenId: string | undefined;
  if (!sandbox) {
    // Minted only when no sandbox holds a token yet; an earlier attempt's unused token is revoked.
    const { token, row } = await mintMachineToken(db, {
      instanceId: machine.instanceId,
      machineId,
    });
    accessTokenId = row.id;
    const machineEnv = osProvidedEnv({
      platformUrl: env.PLATFORM_URL,
      instanceId: machine.instanceId,
      machineId,
      machineToken: token,
    });
    sandbox = await provider.create({ machineId, instanceId: machine.instanceId, env: machineEnv });
  }
  const keyring = await keyringFromEnv(env);
  const moved = await transitionMachine(db, machineId, ["creating"], "starting", {
    ...(accessTokenId ? { accessTokenId } : {}),
    externalId: sandbox.externalId,
    daemonUrl: sandbox.daemonUrl,
    providerHeadersEncrypted: await keyring.encrypt(
      JSON.stringify(sandbox.headers),
      providerHeadersAad(machineId),
    ),
  });
  if (!moved) {
    const now = await findMachine(db, machineId);
    if (!now || !isLive(now)) {
      // Archived while the sandbox was being made: the sandbox and the token are ours to clean up.
      await revokeMachineTokens(db, machineId);
      await provider.delete(sandbox.externalId);
      return null;
    }
  }
  return { externalId: sandbox.externalId };
}

/**
 * Step `bootstrap`: the instance env first (signed `PUT /platform/env`; the clone may need its
 * `GIT_TOKEN`), then signed `POST /platform/bootstrap` with the instance's repo.
 */
async function bootstrap(env: Bindings, machineId: string) {
  const db = createDb(env.DB);
  await transitionMachine(db, machineId, ["starting"], "bootstrapping");
  const machine = await findMachine(db, machineId);
  if (machine?.status !== "bootstrapping") return null;
  await sendInstanceEnv(env, machine);
  const instance = await findInstanceById(db, machine.instanceId);
  const repo = instance?.repoUrl
    ? { url: instance.repoUrl, ...(instance.repoRef ? { ref: instance.repoRef } : {}) }
    : undefined;
  const res = await signedFetch(env, machine)("/platform/bootstrap", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(repo ? { repo } : {}),
  });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const parsed = errorBodySchema.safeParse(body);
    // The daemon's message is git's own ("repository not found", "couldn't find remote ref").
    throw new Error(
      parsed.success ? gitProblem(parsed.data.error.message) : `the daemon answered ${res.status}`,
    );
  }
  return { commit: (body as { commit?: string | null } | null)?.commit ?? null };
}

/**
 * The lines of git's output that say what went wrong (`fatal:`, `error:`), without its progress
 * lines ("Cloning into '/home/…/.workspace.tmp-x'…"), which mean nothing to a user.
 */
function gitProblem(message: string): string {
  const problems = message.split("\n").filter((line) => /^(fatal|error):/.test(line.trim()));
  return problems.length > 0 ? problems.map((line) => line.trim()).join(" ") : message;
}

/** Step `activate`: ready, and the latest env if it changed while the machine was being made. */
async function activate(env: Bindings, machineId: string) {
  const db = createDb(env.DB);
  const machine = await transitionMachine(db, machineId, ["bootstrapping"], "ready", {
    readyAt: new Date(),
  });
  if (!machine) return null;
  const instance = await findInstanceById(db, machine.instanceId);
  if (instance && machine.envVersion !== instance.envVersion) {
    // Not fatal: the Env vars page shows the machine as stale and the next change pushes again.
    await instanceObject(env, instance.id)
      .pushEnv(instance.id)
      .catch((error: unknown) =>
        console.error(`machine ${machineId}: env push failed: ${(error as Error).message}`),
      );
  }
  // Slack events that waited during the rebuild go out now rather than at the next backoff
  // alarm. Not fatal (the alarm still retries) and safe to repeat: a retried `activate` only
  // kicks the outbox again, and the outbox delivers each event once.
  await instanceObject(env, machine.instanceId)
    .machineReady(machine.instanceId)
    .catch((error: unknown) =>
      console.error(`machine ${machineId}: outbox not kicked: ${(error as Error).message}`),
    );
  return { readyAt: machine.readyAt?.toISOString() ?? null };
}
