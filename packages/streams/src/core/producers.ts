import type { ProducerState } from "./log-state.ts";
import type { ProducerTuple, StoreFailure } from "./stream-store.ts";

/** Outcome of checking a producer tuple against a stream's producer state (§5.2.1). */
export type ProducerCheck =
  | { status: "accepted"; next: ProducerState }
  | { status: "duplicate"; lastSeq: number }
  | { status: "stale_epoch"; currentEpoch: number }
  | { status: "invalid_epoch_seq" }
  | { status: "sequence_gap"; expected: number; received: number };

/**
 * Kafka-style idempotent producer validation; does not mutate (§5.2.1).
 *
 * @example
 * checkProducer(new Map(), { id: "p", epoch: 0, seq: 0 }); // { status: "accepted", next: { epoch: 0, lastSeq: 0 } }
 */
export function checkProducer(
  producers: ReadonlyMap<string, ProducerState>,
  tuple: ProducerTuple,
): ProducerCheck {
  const state = producers.get(tuple.id);
  if (!state) {
    if (tuple.seq !== 0) return { status: "sequence_gap", expected: 0, received: tuple.seq };
    return { status: "accepted", next: { epoch: tuple.epoch, lastSeq: 0 } };
  }
  if (tuple.epoch < state.epoch) return { status: "stale_epoch", currentEpoch: state.epoch };
  if (tuple.epoch > state.epoch) {
    if (tuple.seq !== 0) return { status: "invalid_epoch_seq" };
    return { status: "accepted", next: { epoch: tuple.epoch, lastSeq: 0 } };
  }
  if (tuple.seq <= state.lastSeq) return { status: "duplicate", lastSeq: state.lastSeq };
  if (tuple.seq === state.lastSeq + 1) {
    return { status: "accepted", next: { epoch: tuple.epoch, lastSeq: tuple.seq } };
  }
  return { status: "sequence_gap", expected: state.lastSeq + 1, received: tuple.seq };
}

/**
 * When `tuple`'s batch is among the durable (acknowledgeable) ones of `producers`: the highest
 * durable seq of its producer (what a duplicate's answer names); else null.
 */
export function durableDuplicateSeq(
  durable: ReadonlyMap<string, ProducerState>,
  tuple: ProducerTuple,
): number | null {
  const state = durable.get(tuple.id);
  return state !== undefined && state.epoch === tuple.epoch && tuple.seq <= state.lastSeq
    ? state.lastSeq
    : null;
}

/** The store failure for a refused producer tuple. */
export function producerFailure(
  check: Exclude<ProducerCheck, { status: "accepted" | "duplicate" }>,
): StoreFailure {
  switch (check.status) {
    case "stale_epoch":
      return { ok: false, reason: "stale_epoch", currentEpoch: check.currentEpoch };
    case "sequence_gap":
      return {
        ok: false,
        reason: "sequence_gap",
        expected: check.expected,
        received: check.received,
      };
    case "invalid_epoch_seq":
      return { ok: false, reason: "invalid_epoch_seq" };
  }
}
