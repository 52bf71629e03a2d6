/**
 * Where records are, sparsely: per segment file its first and last positions
 * and a *checkpoint* — (record start position, file offset of its frame) —
 * about every `interval` bytes of file. Finding a position means jumping to the
 * checkpoint at or before it and scanning forward at most one interval, so the
 * index costs ~16 bytes per 64 KiB of log, not per append: a stream of a
 * million small appends keeps a few thousand numbers in memory.
 *
 * @example
 * const segment = newSegmentInfo(1, 0);
 * noteRecord(segment, 0, 0, 64 * 1024); // first record: always a checkpoint
 * locate([segment], 5); // { index: 0, position: 0, offset: 0 }
 */
export interface SegmentInfo {
  /** File number (`00000001.seg` is 1). */
  segment: number;
  /** Stream position where its first record starts. */
  start: number;
  /** Stream position after its last record. */
  end: number;
  /** Bytes of records in the file (preallocated zeros after them excluded). */
  size: number;
  /** Checkpoint start positions, increasing… */
  positions: number[];
  /** …and the file offsets of their frames. */
  offsets: number[];
}

export function newSegmentInfo(segment: number, start: number): SegmentInfo {
  return { segment, start, end: start, size: 0, positions: [], offsets: [] };
}

/** Notes a record whose frame starts at file `offset` and stream position `position`. */
export function noteRecord(
  info: SegmentInfo,
  position: number,
  offset: number,
  interval: number,
): void {
  const last = info.offsets.at(-1);
  if (last === undefined || offset - last >= interval) {
    info.positions.push(position);
    info.offsets.push(offset);
  }
}

/** Forgets checkpoints at or past file `offset` (a batch taken back). */
export function forgetFrom(info: SegmentInfo, offset: number): void {
  while (info.offsets.length > 0 && (info.offsets.at(-1) as number) >= offset) {
    info.offsets.pop();
    info.positions.pop();
  }
}

/**
 * The segment and checkpoint to scan from to find the record starting at
 * `position`; null when no segment holds records past it.
 */
export function locate(
  segments: readonly SegmentInfo[],
  position: number,
): { index: number; position: number; offset: number } | null {
  for (let index = segments.length - 1; index >= 0; index--) {
    const info = segments[index] as SegmentInfo;
    if (info.start > position || info.positions.length === 0) continue;
    if (position >= info.end && index < segments.length - 1) return null;
    let lo = 0;
    let hi = info.positions.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((info.positions[mid] as number) <= position) lo = mid;
      else hi = mid - 1;
    }
    return { index, position: info.positions[lo] as number, offset: info.offsets[lo] as number };
  }
  return null;
}
