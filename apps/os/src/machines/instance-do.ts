/**
 * `InstanceDO` — one Durable Object per instance (named by the instance id) that serializes its
 * machine lifecycle: a rebuild archives the current machine (sandbox deleted, token revoked) and
 * starts exactly one new `MachineWorkflow`; env pushes run one at a time. It also holds the
 * instance's Slack outbox (slack/outbox.ts) in its SQLite storage: events wait here until a
 * machine accepts them. Called through RPC: `instanceObject(env, instanceId).rebuild(instanceId)`.
 */
import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../app-env.ts";
import { createDb } from "../db/client.ts";
import { findLiveMachine, insertMachine } from "../db/machines.ts";
import type { MachineRow } from "../db/schema.ts";
import type { OutboxEvent } from "../slack/delivery-outcome.ts";
import { createSlackOutbox, type OutboxStatus } from "../slack/outbox.ts";
import { daemonDelivery } from "../slack/outbox-delivery.ts";
import { type EnvPushResult, pushInstanceEnv } from "./env-push.ts";
import { archiveMachine, failMachine } from "./lifecycle.ts";
import { configuredProviderName } from "./machine-provider.ts";
import type { MachineWorkflowParams } from "./machine-workflow.ts";

/**
 * The instance's Durable Object stub.
 * @example const machine = await instanceObject(env, instanceId).rebuild(instanceId);
 */
export function instanceObject(env: Bindings, instanceId: string) {
  return env.INSTANCE_DO.get(env.INSTANCE_DO.idFromName(instanceId));
}

export class InstanceDO extends DurableObject<Bindings> {
  /** The tail of the lifecycle queue: each operation starts when the previous one settled. */
  #tail: Promise<unknown> = Promise.resolve();
  /** A rebuild not yet finished; rebuilds arriving meanwhile get its machine. */
  #rebuilding: Promise<MachineRow> | null = null;
  readonly #outbox;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.#outbox = createSlackOutbox({
      sql: ctx.storage.sql,
      alarms: ctx.storage,
      deliver: daemonDelivery(env, {
        // A team now connected to another instance: its outbox takes the event, durably.
        forward: (to, event) => instanceObject(env, to).enqueueSlackEvent(to, event),
      }),
    });
    void ctx.blockConcurrencyWhile(() => this.#outbox.load());
  }

  /**
   * Archives the current machine (if any) and starts a new one; returns the new machine.
   * Concurrent calls coalesce into one rebuild, so a double click makes one machine, not two.
   */
  rebuild(instanceId: string): Promise<MachineRow> {
    this.#rebuilding ??= this.#serialized(async () => {
      try {
        const current = await findLiveMachine(createDb(this.env.DB), instanceId);
        if (current) await archiveMachine(this.env, current);
        return await this.#start(instanceId);
      } finally {
        this.#rebuilding = null;
      }
    });
    return this.#rebuilding;
  }

  /** The instance's live machine, starting one when it has none (sign-up). */
  ensureMachine(instanceId: string): Promise<MachineRow> {
    return this.#serialized(async () => {
      const current = await findLiveMachine(createDb(this.env.DB), instanceId);
      return current ?? this.#start(instanceId);
    });
  }

  /** Pushes the instance env to its ready machine (one push at a time). */
  pushEnv(instanceId: string): Promise<EnvPushResult> {
    return this.#serialized(() => pushInstanceEnv(this.env, instanceId));
  }

  /**
   * Stores a Slack event for delivery to the machine; durable when this resolves (the edge acks
   * Slack only then). A repeated `event_id` (Slack's retry) answers `duplicate: true`.
   */
  enqueueSlackEvent(instanceId: string, event: OutboxEvent): Promise<{ duplicate: boolean }> {
    return this.#outbox.enqueue(instanceId, event);
  }

  /** A machine of this instance became ready (workflow step `activate`): deliver what waits. */
  machineReady(instanceId: string): { depth: number } {
    return this.#outbox.machineReady(instanceId);
  }

  /** Queue depth and the last delivery error, for the Slack page. */
  outboxStatus(): OutboxStatus {
    return this.#outbox.status();
  }

  /** Outbox retries (backoff) and its watchdog. */
  override async alarm(): Promise<void> {
    await this.#outbox.alarm();
  }

  async #start(instanceId: string): Promise<MachineRow> {
    const machine = await insertMachine(createDb(this.env.DB), {
      instanceId,
      provider: configuredProviderName(this.env),
    });
    const params: MachineWorkflowParams = { machineId: machine.id, instanceId };
    try {
      await this.env.MACHINE_WORKFLOW.create({ id: machine.id, params });
    } catch (error) {
      await failMachine(this.env, machine.id, "The machine workflow could not be started.");
      throw error;
    }
    return machine;
  }

  #serialized<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(operation, operation);
    this.#tail = run.catch(() => {});
    return run;
  }
}

/**
 * Sign-up: starts the new instance's first machine. A failure is logged and never fails the
 * sign-up itself: the Machines page shows "no machine" with its Rebuild button.
 */
export async function startFirstMachine(env: Bindings, instanceId: string): Promise<void> {
  try {
    await instanceObject(env, instanceId).ensureMachine(instanceId);
  } catch (error) {
    console.error(`instance ${instanceId}: first machine not started: ${(error as Error).message}`);
  }
}

/** Env changed: pushes it to the ready machine; never throws (the Env vars page shows staleness). */
export async function envChanged(env: Bindings, instanceId: string): Promise<EnvPushResult> {
  try {
    return await instanceObject(env, instanceId).pushEnv(instanceId);
  } catch (error) {
    return { status: "failed", machineId: "", error: (error as Error).message };
  }
}
