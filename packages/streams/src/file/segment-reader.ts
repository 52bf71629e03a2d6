import type { ReadWindow, RecordRun } from "../core/log-backend.ts";
import { takesNext } from "../core/read-budget.ts";
import { SegmentCursor } from "./segment-cursor.ts";
import { segmentPath } from "./segment-paths.ts";
import { locate, type SegmentInfo } from "./sparse-index.ts";

/**
 * Reads records from disk: jumps to the checkpoint at or before `from`
 * (`sparse-index.ts`), scans forward to the record starting there — null if
 * none does (not a message boundary) — and collects records until the window
 * is full, crossing into later segments as needed. Payloads come back copied
 * into one buffer per read, so nothing retains the scan's chunks.
 *
 * Reads use their own file handles: the writer's descriptor may be closed by
 * the idle sweep meanwhile, and a reused descriptor number must never be read.
 *
 * @example
 * const run = await readSegments(dir, files.segments, 0, { limit: tail, maxBytes: 1 << 20 });
 */
export async function readSegments(
  dir: string,
  segments: readonly SegmentInfo[],
  from: number,
  window: ReadWindow,
): Promise<RecordRun | null> {
  const start = locate(segments, from);
  if (!start) return null;
  const ends: number[] = [];
  const views: Buffer[] = [];
  let bytes = 0;
  let position = start.position;
  let found = position === from;
  let full = false;
  let buffers = 0;
  for (let index = start.index; index < segments.length && !full; index++) {
    const info = segments[index] as SegmentInfo;
    if (index > start.index && info.size === 0) continue;
    const offset = index === start.index ? start.offset : 0;
    // Headers are a few dozen bytes a record: ~6 % of slack covers them for all but tiny records.
    const expected = (from - position + window.maxBytes) * 1.06 + 16 * 1024;
    const cursor = await SegmentCursor.open(segmentPath(dir, info.segment), offset, {
      firstRead: Math.max(4096, Math.min(info.size - offset, Math.ceil(expected))),
    });
    try {
      while (!full && cursor.offset < info.size) {
        const record = await cursor.next();
        if (!record) break;
        if (!record.gap && record.size === 0) continue; // a close: no position of its own
        if (!found) {
          if (position === from) found = true;
          else if (position > from) return null;
        }
        if (found) {
          if (
            record.end > window.limit ||
            !takesNext(bytes, bytes > 0, record.size, window.maxBytes)
          ) {
            full = true;
            break;
          }
          ends.push(record.end);
          views.push(record.payload);
          bytes += record.size;
        }
        position = record.end;
        if (position >= window.limit) full = true;
      }
    } finally {
      if (views.length > 0) buffers += cursor.reads;
      await cursor.close();
    }
  }
  if (!found) return position === from ? { start: from, ends: [], data: [] } : null;
  const backing = views[0]?.buffer.byteLength ?? 0;
  const mostlyPayload = backing <= bytes * 1.25 + 16 * 1024;
  return { start: from, ends, data: buffers <= 1 && mostlyPayload ? views : compact(views) };
}

/** Replaces the views with views of one fresh buffer holding them all. */
function compact(views: Buffer[]): Buffer[] {
  let total = 0;
  for (const view of views) total += view.length;
  const all = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < views.length; i++) {
    const view = views[i] as Buffer;
    view.copy(all, at);
    views[i] = all.subarray(at, at + view.length);
    at += view.length;
  }
  return views;
}
