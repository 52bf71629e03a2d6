import { open, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { LogRecord, RecoveredStream, StreamMeta } from "./log-backend.ts";
import { decodeRecord } from "./record-codec.ts";
import {
  applyRecordState,
  decodeSegmentIndex,
  emptyLogState,
  type IndexEntry,
  type LogState,
} from "./segment-index.ts";

/** Where the file store resumes writing a recovered stream. */
export interface ActiveSegment {
  segment: number;
  size: number;
  entries: IndexEntry[];
  state: LogState;
}

const SEGMENT_FILE = /^(\d{8})\.seg$/;

export const segmentPath = (dir: string, segment: number): string =>
  join(dir, `${String(segment).padStart(8, "0")}.seg`);
export const indexPath = (dir: string, segment: number): string =>
  join(dir, `${String(segment).padStart(8, "0")}.idx`);

/**
 * Rebuilds one stream from its directory: sealed segments from their `.idx`
 * (or by scanning when it is missing or damaged), the active segment always by
 * scanning. The first record that is short, fails its CRC or goes backwards
 * ends the log: in the active segment that is the torn write of a crash, and
 * the file is truncated there (and fsynced); anywhere else it is reported.
 *
 * @example
 * const { recovered, active } = await recoverStreamDir(dir, meta, { cacheBytes: 1 << 20, log });
 */
export async function recoverStreamDir(
  dir: string,
  meta: StreamMeta,
  options: { cacheBytes: number; log: (message: string) => void },
): Promise<{ recovered: RecoveredStream; active: ActiveSegment }> {
  const segments = (await readdir(dir))
    .map((name) => SEGMENT_FILE.exec(name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  if (segments.length === 0) segments.push(1);
  const records: LogRecord[] = [];
  let state = emptyLogState();
  let active: ActiveSegment = { segment: 1, size: 0, entries: [], state };
  let tail: Buffer | null = null;
  let tailFrom = 0;

  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    if (!last) {
      const index = decodeSegmentIndex(
        await readFile(indexPath(dir, segment)).catch(() => Buffer.alloc(0)),
      );
      if (index) {
        for (const entry of index.entries)
          records.push({ end: entry.end, data: undefined, segment, at: entry.at });
        state = index.state;
        continue;
      }
    }
    const path = segmentPath(dir, segment);
    const buffer = await readFile(path).catch(() => Buffer.alloc(0));
    const entries: IndexEntry[] = [];
    let offset = 0;
    for (;;) {
      const record = decodeRecord(buffer, offset, 0);
      if (!record) break;
      const previousEnd = records.at(-1)?.end ?? 0;
      if (record.size > 0 && record.end !== previousEnd + record.size) break;
      if (record.size > 0) {
        records.push({ end: record.end, data: undefined, segment, at: record.at });
        entries.push({ end: record.end, at: record.at });
      }
      applyRecordState(state, record);
      offset = record.next;
    }
    // Zeros after the last record are a preallocated tail; anything else is a
    // torn write (or damage), cut off durably.
    const damaged = !isZero(buffer, offset);
    if (damaged) {
      await truncateDurably(path, offset);
      options.log(
        `stream ${meta.name}: ${last ? "torn last record" : "damaged record"} in ${path}, truncated ${buffer.length - offset} bytes at ${offset}`,
      );
    }
    active = { segment, size: offset, entries, state };
    if (damaged && !last) {
      // Later segments cannot follow a hole: keep the log contiguous.
      for (const later of segments.slice(i + 1)) await rm(segmentPath(dir, later), { force: true });
      await rm(indexPath(dir, segment), { force: true });
      options.log(`stream ${meta.name}: dropped segments after ${segment}`);
      tail = buffer;
      tailFrom = records.length - entries.length;
      break;
    }
    tail = buffer;
    tailFrom = records.length - entries.length;
  }

  // Warm the hot-tail cache from the active segment just read.
  if (tail) {
    let cached = 0;
    for (let i = records.length - 1; i >= tailFrom; i--) {
      const record = records[i] as LogRecord;
      const size = record.end - (i === 0 ? 0 : (records[i - 1] as LogRecord).end);
      if (cached + size > options.cacheBytes && cached > 0) break;
      record.data = Buffer.from(tail.subarray(record.at, record.at + size));
      cached += size;
    }
  }
  const recovered: RecoveredStream = {
    meta,
    records,
    closed: state.closed,
    closedBy: state.closedBy,
    producers: new Map(state.producers),
    lastStreamSeq: state.lastStreamSeq,
  };
  return {
    recovered,
    active: { ...active, state: { ...state, producers: new Map(state.producers) } },
  };
}

async function truncateDurably(path: string, length: number): Promise<void> {
  const handle = await open(path, "r+");
  try {
    await handle.truncate(length);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const ZEROS = Buffer.alloc(64 * 1024);

function isZero(buffer: Buffer, from: number): boolean {
  for (let at = from; at < buffer.length; at += ZEROS.length) {
    const end = Math.min(buffer.length, at + ZEROS.length);
    if (ZEROS.compare(buffer, at, end, 0, end - at) !== 0) return false;
  }
  return true;
}
