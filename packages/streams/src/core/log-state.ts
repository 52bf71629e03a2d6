import type { ProducerTuple } from "./stream-store.ts";

/** Producer state kept per stream (§5.2.1). */
export interface ProducerState {
  epoch: number;
  lastSeq: number;
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
    state.producers.set(record.producer.id, {
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
