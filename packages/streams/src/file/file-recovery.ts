import { open, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RecoveredStream, StreamMeta, WithdrawnRange } from "../core/log-backend.ts";
import { applyRecordState, copyLogState, emptyLogState, type LogState } from "../core/log-state.ts";
import { followsPosition } from "./record-codec.ts";
import { SegmentCursor } from "./segment-cursor.ts";
import { decodeSegmentIndex, encodeSegmentIndex } from "./segment-index.ts";
import { indexPath, SEGMENT_FILE, segmentPath } from "./segment-paths.ts";
import { newSegmentInfo, noteRecord, type SegmentInfo } from "./sparse-index.ts";

/** What the file store keeps about a recovered stream's files. */
export interface RecoveredFiles {
  /** Every segment, oldest first; the last is the active one. */
  segments: SegmentInfo[];
  /** Durable state after the last record (written into the index when the active segment is sealed). */
  state: LogState;
  withdrawn: WithdrawnRange[];
}

/**
 * Rebuilds one stream from its directory without loading any payload: sealed
 * segments from their `.idx` (or by scanning when it is missing, damaged or of
 * the older per-record format — and then writing it anew, so the next start
 * need not scan again),
 * the active segment always by scanning, a chunk at a time (through `scratch`,
 * one buffer for every stream of a recovery, when given). The first record
 * that is short, fails its CRC or does not continue the positions ends the log:
 * in the active segment that is the torn write of a crash, and the file is
 * truncated there (and fsynced); anywhere else it is reported and the later
 * segments are dropped so the log stays contiguous.
 *
 * @example
 * const { recovered, files } = await recoverStreamDir(dir, meta, { indexInterval: 64 << 10, log });
 */
export async function recoverStreamDir(
  dir: string,
  meta: StreamMeta,
  options: { indexInterval: number; log: (message: string) => void; scratch?: Buffer },
): Promise<{ recovered: RecoveredStream; files: RecoveredFiles }> {
  const numbers = (await readdir(dir))
    .map((name) => SEGMENT_FILE.exec(name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  if (numbers.length === 0) numbers.push(1);
  const segments: SegmentInfo[] = [];
  let state = emptyLogState();
  let withdrawn: WithdrawnRange[] = [];
  let position = 0;

  for (const [i, segment] of numbers.entries()) {
    const last = i === numbers.length - 1;
    if (!last) {
      const bytes = await readFile(indexPath(dir, segment)).catch(() => Buffer.alloc(0));
      const index = decodeSegmentIndex(bytes, segment);
      if (index && index.info.start === position) {
        segments.push(index.info);
        state = index.state;
        withdrawn = index.withdrawn;
        position = index.info.end;
        continue;
      }
    }
    const path = segmentPath(dir, segment);
    const info = newSegmentInfo(segment, position);
    let validEnd = 0;
    let damaged = false;
    const cursor = await SegmentCursor.open(path, 0, { scratch: options.scratch }).catch(
      () => null,
    );
    if (cursor) {
      try {
        for (;;) {
          const frameAt = cursor.offset;
          const record = await cursor.next();
          if (!record) {
            validEnd = frameAt;
            // Zeros after the last record are a preallocated tail; anything else is a torn write.
            damaged = !(await cursor.restIsZero());
            break;
          }
          if (!followsPosition(record, position)) {
            validEnd = frameAt;
            damaged = true;
            break;
          }
          noteRecord(info, position, frameAt, options.indexInterval);
          applyRecordState(state, record);
          if (record.gap) withdrawn = [...withdrawn, { from: position, to: record.end }];
          position = record.end;
          info.end = position;
          info.size = record.next;
        }
      } finally {
        await cursor.close();
      }
    }
    segments.push(info);
    if (!last && !damaged) {
      // Only an optimization (a torn one fails its CRC and means a scan): no fsync.
      const index = encodeSegmentIndex({
        info,
        state: copyLogState(state),
        withdrawn: [...withdrawn],
      });
      await writeFile(indexPath(dir, segment), index).catch((error: unknown) =>
        options.log(`index of ${path} not rewritten: ${String(error)}`),
      );
    }
    if (damaged) {
      await truncateDurably(path, validEnd);
      options.log(
        `stream ${meta.name}: ${last ? "torn last record" : "damaged record"} in ${path}, truncated at ${validEnd}`,
      );
      if (!last) {
        // Later segments cannot follow a hole: keep the log contiguous.
        for (const later of numbers.slice(i + 1))
          await rm(segmentPath(dir, later), { force: true });
        await rm(indexPath(dir, segment), { force: true });
        options.log(`stream ${meta.name}: dropped segments after ${segment}`);
        break;
      }
    }
  }

  let lastAccessAt: number | undefined;
  if (meta.ttlSeconds !== undefined) {
    // The store touches meta.json's mtime as the stream is used (sliding TTL).
    lastAccessAt = await stat(join(dir, "meta.json")).then(
      (s) => s.mtimeMs,
      () => undefined,
    );
  }
  const recovered: RecoveredStream = {
    meta,
    tail: position,
    state: copyLogState(state),
    withdrawn: [...withdrawn],
    lastAccessAt,
  };
  return { recovered, files: { segments, state, withdrawn } };
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
