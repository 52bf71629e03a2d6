/**
 * What one delivery attempt of the Slack outbox can come to, and what that means for the queue:
 * when to try again (backoff) and when a row is settled. Pure: the outbox (outbox.ts) keeps the
 * counts in its storage; the delivery (outbox-delivery.ts) decides the outcome of an attempt.
 *
 * @example
 * const { outcome: next, faults } = settlement(outcome, faultsBefore); // retry, or settled
 * if (next.kind === "retry") await alarms.setAlarm(Date.now() + retryDelayMs(failures));
 */

/** How one delivery attempt went; `error` is in words for the Slack page. */
export type DeliveryOutcome =
  | { kind: "delivered"; duplicate: boolean }
  /** Worth retrying: no ready machine, network, time-out, 5xx. */
  | { kind: "retry"; error: string }
  /** The daemon refused this event itself; it is dropped so the queue behind it moves on. */
  | { kind: "rejected"; error: string }
  /**
   * The daemon failed on this event (500): retried like `retry`, but set aside once it failed
   * {@link MAX_EVENT_FAULTS} times, so one event that trips a bug does not hold the queue behind
   * it forever.
   */
  | { kind: "faulted"; error: string }
  /**
   * Not this instance's to deliver (any more): its team was disconnected, or connected to
   * another instance (which then has it). Settled without an error: nothing went wrong.
   */
  | { kind: "dropped"; reason: string };

/** Sends one stored event to the instance's machine (or where its team is now). Never throws. */
export type Deliver = (instanceId: string, event: OutboxEvent) => Promise<DeliveryOutcome>;

/** One event handed over by the edge. `payload` is the envelope JSON to forward. */
export type OutboxEvent = { eventId: string; teamId: string; payload: string };

/** First retry delay; doubled per consecutive failure up to {@link RETRY_MAX_MS}. */
export const RETRY_BASE_MS = 1_000;
export const RETRY_MAX_MS = 30_000;
/**
 * 500s one event may get from the machine before it is set aside (`rejected`): with the backoff,
 * ~15 s of tries when nothing else fails in between. A rebuilt machine (`machineReady`) starts
 * the count afresh.
 */
export const MAX_EVENT_FAULTS = 5;

/** Delay before attempt n+1 after `failures` consecutive failures (1 s, 2 s, 4 s, … 30 s). */
export function retryDelayMs(failures: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, failures - 1));
}

/**
 * What an attempt's outcome means for its row, given the 500s it got before (`faultsBefore`): a
 * fault is a retry until the {@link MAX_EVENT_FAULTS}th, which sets the row aside (`rejected`).
 * A plain retry (a time-out, a machine not ready or not reachable) keeps the count — a daemon
 * that fails on the event and restarts in between must not hold the queue forever — and a
 * settled row needs none.
 *
 * @example settlement({ kind: "faulted", error: "The machine answered 500" }, 4) // rejected, faults 5
 */
export function settlement(
  outcome: DeliveryOutcome,
  faultsBefore: number,
): { outcome: Exclude<DeliveryOutcome, { kind: "faulted" }>; faults: number } {
  if (outcome.kind === "retry") return { outcome, faults: faultsBefore };
  if (outcome.kind !== "faulted") return { outcome, faults: 0 };
  const faults = faultsBefore + 1;
  if (faults < MAX_EVENT_FAULTS) {
    return { outcome: { kind: "retry", error: outcome.error }, faults };
  }
  return {
    outcome: {
      kind: "rejected",
      error: `${outcome.error} — ${faults} times, so the event was set aside and the ones behind it go on`,
    },
    faults,
  };
}
