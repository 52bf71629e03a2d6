/**
 * How the outbox hands one event to the instance's machine: a signed `POST /edge/slack` to the
 * ready machine (`signedFetch`), and what each answer means for the queue. Each attempt first
 * reads, in one D1 round trip, the instance's live machine (so a rebuild takes effect at once)
 * and where the event's team is connected now — the events edge routes by a per-isolate hint
 * (team-routes.ts), so this is where a disconnect or a move to another instance is exact: the
 * event of a disconnected team is dropped, one of a team connected elsewhere is forwarded there.
 */
import { errorBodySchema, slackEdgeResponseSchema } from "@iterate/contract";
import type { Bindings } from "../app-env.ts";
import { createDb } from "../db/client.ts";
import { findDeliveryTarget } from "../db/slack-installations.ts";
import { MachineNotReadyError, signedFetch } from "../machines/fetch-for-instance.ts";
import { withVerdict } from "../machines/machine-health.ts";
import type { Deliver, DeliveryOutcome, OutboxEvent } from "./delivery-outcome.ts";

/** The daemon route events are delivered to. */
export const DAEMON_SLACK_PATH = "/edge/slack";
/** An attempt the daemon has not answered by then counts as failed (a hung or stopped machine). */
export const DELIVERY_TIMEOUT_MS = 10_000;
/**
 * The daemon's answers (its `{"error":{"code","message"}}` body) about the event itself: sending
 * the same bytes again can only fail the same way, so the event is dropped (with the error on the
 * Slack page) rather than blocking the queue forever.
 * A 500 is the daemon failing on the event (a bug it trips; a full disk answers 503): retried,
 * and set aside by the outbox after a few. Anything else — 401 (a machine whose secret
 * changed), 404 (a daemon without the route), 429, 502–504 — is the machine's state, and a later
 * attempt or a rebuilt machine can succeed.
 */
const PERMANENT_STATUSES = new Set([400, 413, 415, 422]);
const FAULT_STATUS = 500;

/**
 * @example const deliver = daemonDelivery(env, { forward }); await deliver(instanceId, event);
 */
export function daemonDelivery(
  env: Bindings,
  options: {
    timeoutMs?: number;
    /** Stores the event in another instance's outbox (the team is connected there now). */
    forward: (instanceId: string, event: OutboxEvent) => Promise<unknown>;
  },
): Deliver {
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  return async function deliverToDaemon(instanceId, event): Promise<DeliveryOutcome> {
    // Each step fails in its own words: the Slack page shows the last one.
    let target: Awaited<ReturnType<typeof findDeliveryTarget>>;
    try {
      target = await findDeliveryTarget(createDb(env.DB), instanceId, event.teamId);
    } catch (error) {
      console.error("slack outbox: delivery target not read", (error as Error).name);
      return { kind: "retry", error: "The platform could not look up the machine; retrying." };
    }
    const { machine, teamInstanceId } = target;
    if (teamInstanceId === null) {
      return { kind: "dropped", reason: `team ${event.teamId} is no longer connected` };
    }
    if (teamInstanceId !== instanceId) {
      try {
        await options.forward(teamInstanceId, event);
      } catch (error) {
        console.error("slack outbox: forward failed", (error as Error).name);
        return {
          kind: "retry",
          error: `The event could not be handed on to ${teamInstanceId}, where team ${event.teamId} is connected now; retrying.`,
        };
      }
      return { kind: "dropped", reason: `team ${event.teamId} moved to ${teamInstanceId}` };
    }
    if (machine?.status !== "ready") {
      const waiting = new MachineNotReadyError(instanceId, machine?.status ?? null);
      return { kind: "retry", error: `Waiting for a ready machine: ${waiting.message}` };
    }
    let res: Response;
    try {
      res = await signedFetch(env, machine)(DAEMON_SLACK_PATH, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: event.payload,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const failed =
        (error as Error).name === "TimeoutError"
          ? `The machine did not answer within ${timeoutMs / 1000} s.`
          : `The machine could not be reached: ${(error as Error).message}`;
      return { kind: "retry", error: await withVerdict(failed, env, machine) };
    }
    const body: unknown = await res.json().catch(() => null);
    if (res.ok) {
      const parsed = slackEdgeResponseSchema.safeParse(body);
      return { kind: "delivered", duplicate: parsed.success && parsed.data.duplicate };
    }
    const error = machineAnswered(res.status, body);
    // Not the daemon's own error body: the provider's proxy answered in its place, for a sandbox
    // it cannot reach (Daytona's answers 400 SANDBOX_NOT_RUNNING for a stopped one). That says
    // nothing about the event, so it is never dropped for it.
    if (!errorBodySchema.safeParse(body).success) {
      return { kind: "retry", error: await withVerdict(error, env, machine) };
    }
    if (PERMANENT_STATUSES.has(res.status)) {
      return { kind: "rejected", error: `${error} (the event was dropped)` };
    }
    return { kind: res.status === FAULT_STATUS ? "faulted" : "retry", error };
  };
}

/** Longest part of the machine's own message shown on the platform's pages. */
export const MACHINE_MESSAGE_MAX = 200;

/**
 * A machine's error answer in words for the Slack and Machines pages: its status, and its own
 * code and message quoted as the machine's (what the machine wrote stands on the platform's
 * pages, so it is cut short and never passes for the platform's own words).
 *
 * @example machineAnswered(500, { error: { code: "internal_error", message: "Internal error" } })
 * // 'The machine answered 500 internal_error: "Internal error"'
 */
export function machineAnswered(status: number, body: unknown): string {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return `The machine answered ${status}`;
  const { code, message } = parsed.data.error;
  const quoted =
    message.length > MACHINE_MESSAGE_MAX ? `${message.slice(0, MACHINE_MESSAGE_MAX)}…` : message;
  return `The machine answered ${status} ${code}: ${JSON.stringify(quoted)}`;
}
