import type { ProducerTuple } from "./stream-store.ts";

/** Producer state kept per stream (§5.2.1). */
export interface ProducerState {
  epoch: number;
  lastSeq: number;
}

/**
 * Producers remembered per stream, most recently written last: past this many, the one that
 * wrote longest ago is forgotten (like Kafka expiring idle producer ids), so a caller using a
 * new `Producer-Id` per append cannot grow a stream's memory, and every sealed segment's index,
 * without bound. A forgotten producer's next append is a new producer's: seq 0 is accepted,
 * any other answers a sequence gap.
 */
export const MAX_PRODUCERS_PER_STREAM = 10_000;

/**
 * Records `id`'s state as the most recent, forgetting the oldest past the bound. The one rule
 * for accepted, durable and recovered state alike, so all three forget the same producers.
 */
export function rememberProducer(
  producers: Map<string, ProducerState>,
  id: string,
  state: ProducerState,
): void {
  producers.delete(id);
  producers.set(id, state);
  while (producers.size > MAX_PRODUCERS_PER_STREAM) {
    producers.delete(producers.keys().next().value as string);
  }
}

/** Stream state carried by records: closure, producers, last `Stream-Seq`. */
export interface LogState {
  closed: boolean;
  closedBy?: ProducerTuple;
  producers: Map<string, ProducerState>;
  lastStreamSeq?: string;
}

/** @example const state = emptyLogState(); applyRecordState(state, write); */
export function emptyLogState(): LogState {
  return { closed: false, producers: new Map() };
}

/** A copy that shares nothing mutable with `state`. */
export function copyLogState(state: LogState): LogState {
  return { ...state, producers: new Map(state.producers) };
}

/**
 * Applies one record's state changes — the same rules the core applies when it
 * accepts a write, so replaying a log rebuilds exactly the accepted state.
 */
export function applyRecordState(
  state: LogState,
  record: { close: boolean; producer?: ProducerTuple; streamSeq?: string },
): void {
  if (record.producer) {
    rememberProducer(state.producers, record.producer.id, {
      epoch: record.producer.epoch,
      lastSeq: record.producer.seq,
    });
  }
  if (record.streamSeq !== undefined) state.lastStreamSeq = record.streamSeq;
  if (record.close) {
    state.closed = true;
    state.closedBy = record.producer;
  }
}
