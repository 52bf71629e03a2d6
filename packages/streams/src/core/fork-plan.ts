import { takeJsonPrefix } from "./json-mode.ts";
import type { PendingWrite, RecordRun } from "./log-backend.ts";
import type { RecordReader } from "./record-reader.ts";
import type { StreamState } from "./stream-state.ts";
import type { ForkInput, StoreFailure } from "./stream-store.ts";

/** Inherited records are copied this many payload bytes at a time. */
const COPY_BATCH_BYTES = 1024 * 1024;

/** The inherited part of a new fork. */
export interface ForkPlan {
  ok: true;
  /** Resolved branch position (the source's tail when the request named none). */
  offset: number;
  /** The source's records up to `offset`, positions unchanged, a bounded batch at a time. */
  inherited: () => AsyncIterable<PendingWrite[]>;
  /** The part of the source's append at `offset` a sub-offset takes, if any. */
  prefix: Buffer | null;
}

/**
 * Plans a fork by copying. The fork gets its own copy of the inherited records
 * at the same positions, so offsets read from the source stay valid on the
 * fork and the fork reads, expires and is deleted independently of it (the
 * source only keeps a reference count for delete semantics). The copy streams
 * through the record reader in ~1 MiB batches, so a large source is never held
 * in memory whole.
 *
 * A sub-offset takes the first N bytes (binary) or N messages (JSON) of the
 * source's append that starts at the branch point, materialized as the fork's
 * next append.
 *
 * @example
 * const plan = await planFork(source, { from: "a", offset: 5, subOffset: 3 }, readRecords);
 */
export async function planFork(
  source: StreamState,
  input: ForkInput,
  readRecords: RecordReader,
): Promise<ForkPlan | StoreFailure> {
  const offset = input.offset ?? source.tail;
  if (offset > source.tail || source.withdrawnAt(offset))
    return { ok: false, reason: "invalid_fork_offset" };
  const subOffset = input.subOffset ?? 0;
  // One record from the branch point: proves it is a record start, and is the append a sub-offset cuts.
  const next =
    offset === source.tail && subOffset === 0
      ? null
      : await readRecords(source, offset, { limit: source.tail, maxBytes: 0 });
  if (offset !== 0 && offset !== source.tail && !next)
    return { ok: false, reason: "invalid_fork_offset" };
  let prefix: Buffer | null = null;
  if (subOffset > 0) {
    const whole = next?.data[0];
    if (!whole || whole.length === 0) return { ok: false, reason: "invalid_sub_offset" };
    prefix = source.json
      ? takeJsonPrefix(whole, subOffset)
      : subOffset <= whole.length
        ? whole.subarray(0, subOffset)
        : null;
    if (!prefix) return { ok: false, reason: "invalid_sub_offset" };
  }
  async function* inherited(): AsyncIterable<PendingWrite[]> {
    let position = 0;
    while (position < offset) {
      const run = await readRecords(source, position, {
        limit: offset,
        maxBytes: COPY_BATCH_BYTES,
      });
      if (!run || run.ends.length === 0)
        throw new Error(`fork source ${source.meta.name} ended early`);
      yield toWrites(run);
      position = run.ends.at(-1) as number;
    }
  }
  return { ok: true, offset, inherited, prefix };
}

function toWrites(run: RecordRun): PendingWrite[] {
  return run.ends.map((end, i) => {
    const data = run.data[i] as Buffer;
    return data.length > 0
      ? { data, end, close: false }
      : { data: null, end, close: false, gap: true };
  });
}
