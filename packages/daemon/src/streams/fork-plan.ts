import { takeJsonPrefix } from "./json-mode.ts";
import type { LogRecord, PendingWrite } from "./log-backend.ts";
import type { StreamState } from "./stream-state.ts";
import type { ForkInput, StoreFailure } from "./stream-store.ts";

/** The inherited part of a new fork: copies of the source's appends up to the branch point. */
export interface ForkPlan {
  ok: true;
  /** Resolved branch position (the source's tail when the request named none). */
  offset: number;
  /** Writes that give the fork its inherited content, positions unchanged. */
  writes: PendingWrite[];
}

/**
 * Plans a fork by copying. The fork gets its own copy of the inherited bytes
 * with the same positions, so offsets read from the source stay valid on the
 * fork and the fork reads, expires and is deleted independently of it (the
 * source only keeps a reference count for delete semantics). Copying costs
 * O(inherited bytes) once at fork time; sessions are small.
 *
 * A sub-offset takes the first N bytes (binary) or N messages (JSON) of the
 * source's append that starts at the branch point, materialized as the fork's
 * next append.
 *
 * @example
 * const plan = await planFork(source, { from: "a", offset: 5, subOffset: 3 }, readPayloads);
 */
export async function planFork(
  source: StreamState,
  input: ForkInput,
  readPayloads: (
    stream: StreamState,
    records: readonly LogRecord[],
    firstStart: number,
  ) => Promise<Buffer[]>,
): Promise<ForkPlan | StoreFailure> {
  const offset = input.offset ?? source.tail;
  if (offset > source.tail || !source.isBoundary(offset)) {
    return { ok: false, reason: "invalid_fork_offset" };
  }
  const inheritedCount = source.indexAfter(offset);
  const inherited = source.records.slice(0, inheritedCount);
  const payloads = await readPayloads(source, inherited, 0);
  const writes: PendingWrite[] = inherited.map((record, index) => {
    const data = payloads[index] as Buffer;
    return {
      data,
      end: record.end,
      close: false,
      record: { end: record.end, data, segment: -1, at: -1 },
    };
  });
  const subOffset = input.subOffset ?? 0;
  if (subOffset > 0) {
    const next = source.records[inheritedCount];
    if (!next) return { ok: false, reason: "invalid_sub_offset" };
    const [whole] = await readPayloads(source, [next], offset);
    const prefix = source.json
      ? takeJsonPrefix(whole as Buffer, subOffset)
      : subOffset <= (whole as Buffer).length
        ? (whole as Buffer).subarray(0, subOffset)
        : null;
    if (!prefix) return { ok: false, reason: "invalid_sub_offset" };
    const end = offset + prefix.length;
    writes.push({
      data: prefix,
      end,
      close: false,
      record: { end, data: prefix, segment: -1, at: -1 },
    });
  }
  return { ok: true, offset, writes };
}
