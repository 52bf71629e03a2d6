import { open } from "node:fs/promises";
import type { PendingWrite, WithdrawnRange } from "../core/log-backend.ts";
import { applyRecordState, copyLogState, type LogState } from "../core/log-state.ts";
import { encodeRecord } from "./record-codec.ts";
import type { SegmentFs } from "./segment-fs.ts";
import { encodeSegmentIndex } from "./segment-index.ts";
import { indexPath, segmentPath } from "./segment-paths.ts";
import { forgetFrom, newSegmentInfo, noteRecord, type SegmentInfo } from "./sparse-index.ts";

/** Per-stream write state of the file store. */
export interface StreamFiles {
  dir: string;
  /** Oldest first; the last is the active segment. */
  segments: SegmentInfo[];
  fd: number | null;
  /** Current length of the active segment file (≥ its size when preallocated). */
  allocated: number;
  /** Durable state after the last durable record (for the index of a sealed segment). */
  state: LogState;
  withdrawn: WithdrawnRange[];
  lastWriteAt: number;
  /** Set when taking a failed batch back failed too: truncate the active segment to `size` before the next write. */
  repairTo: number | null;
}

/** Where the active segment stood before a batch, to take the batch back. */
export interface WriteMark {
  segments: number;
  size: number;
  end: number;
}

/** Segment-file writes of the file store: append batches, roll segments, take failed batches back. */
export interface SegmentWriter {
  /**
   * Encodes `writes`, writes them with one write(2), notes checkpoints, and
   * points each write's `data` at its copy in the batch buffer (so what the
   * payload cache keeps is that one buffer, not the requests' buffers).
   */
  appendBatch(stream: StreamFiles, writes: readonly PendingWrite[]): void;
  /** Applies the state of durable writes (after their fdatasync). */
  markDurable(stream: StreamFiles, writes: readonly PendingWrite[]): void;
  /** Seals the active segment and starts the next; `index` settles once the sealed one's index is written. */
  roll(stream: StreamFiles): Promise<{ index: Promise<void> }>;
  mark(stream: StreamFiles): WriteMark;
  /** Takes back everything written since `mark` (best effort: on failure the next write repairs it). */
  rewind(stream: StreamFiles, mark: WriteMark): void;
  /** fsync a directory (after creating, renaming or removing entries in it). */
  syncDir(path: string): Promise<void>;
  /** Writes a whole file and fdatasyncs it. */
  writeDurably(path: string, data: string | Buffer): Promise<void>;
}

/**
 * @example
 * const writer = createSegmentWriter({ fs: nodeSegmentFs, durable: true, preallocateBytes: 64 << 10, indexInterval: 64 << 10, now: Date.now, log });
 * writer.appendBatch(stream, writes);
 */
export function createSegmentWriter(options: {
  fs: SegmentFs;
  durable: boolean;
  preallocateBytes: number;
  indexInterval: number;
  now: () => number;
  log: (message: string) => void;
}): SegmentWriter {
  const { fs, durable, preallocateBytes, indexInterval, now, log } = options;
  const active = (stream: StreamFiles) => stream.segments.at(-1) as SegmentInfo;
  // Where each gap written starts (the log's end before it), for the withdrawn list.
  const gapStarts = new WeakMap<PendingWrite, number>();

  const syncDir = async (path: string): Promise<void> => {
    if (!durable) return;
    const handle = await open(path, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  };
  const writeDurably = async (path: string, data: string | Buffer): Promise<void> => {
    const handle = await open(path, "w");
    try {
      await handle.writeFile(data);
      if (durable) await handle.datasync();
    } finally {
      await handle.close();
    }
  };

  function openActive(stream: StreamFiles): number {
    const fd = fs.open(segmentPath(stream.dir, active(stream).segment));
    stream.allocated = fs.size(fd);
    return fd;
  }

  // Segment files grow ahead of the data (sparse, via ftruncate), so most
  // appends do not change the file size and fdatasync flushes only data blocks,
  // without an inode journal commit — cheaper per batch. Recovery reads the
  // zero tail as "end of log".
  function reserve(stream: StreamFiles, fd: number, end: number): void {
    if (preallocateBytes <= 0 || end <= stream.allocated) return;
    const allocated = (Math.floor(end / preallocateBytes) + 1) * preallocateBytes;
    fs.truncate(fd, allocated);
    stream.allocated = allocated;
  }

  function appendBatch(stream: StreamFiles, writes: readonly PendingWrite[]): void {
    const info = active(stream);
    if (stream.fd === null) stream.fd = openActive(stream);
    const fd = stream.fd;
    if (stream.repairTo !== null) {
      fs.truncate(fd, stream.repairTo);
      stream.allocated = stream.repairTo;
      stream.repairTo = null;
    }
    const parts: Buffer[] = [];
    const payloads: { write: PendingWrite; at: number }[] = [];
    let offset = info.size;
    let position = info.end;
    for (const write of writes) {
      const encoded = encodeRecord(write);
      noteRecord(info, position, offset, indexInterval);
      if (write.gap) gapStarts.set(write, position);
      if (write.data) payloads.push({ write, at: offset - info.size + encoded.payloadOffset });
      for (const part of encoded.parts) {
        parts.push(part);
        offset += part.length;
      }
      if (write.data || write.gap) position = write.end;
    }
    const data = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    reserve(stream, fd, offset);
    let written = 0;
    while (written < data.length) {
      written += fs.write(fd, data, written, data.length - written, info.size + written);
    }
    for (const { write, at } of payloads) {
      write.data = data.subarray(at, at + (write.data as Buffer).length);
    }
    info.size = offset;
    info.end = position;
    stream.lastWriteAt = now();
  }

  function markDurable(stream: StreamFiles, writes: readonly PendingWrite[]): void {
    for (const write of writes) {
      applyRecordState(stream.state, write);
      const from = write.gap ? gapStarts.get(write) : undefined;
      if (from !== undefined) {
        stream.withdrawn = [
          ...stream.withdrawn.filter((range) => range.to <= from),
          { from, to: write.end },
        ];
      }
    }
  }

  async function roll(stream: StreamFiles): Promise<{ index: Promise<void> }> {
    const sealed = active(stream);
    const index = encodeSegmentIndex({
      info: sealed,
      state: copyLogState(stream.state),
      withdrawn: [...stream.withdrawn],
    });
    // A failed batch still waiting to be taken back is in this segment.
    if (stream.repairTo !== null && stream.fd === null) stream.fd = openActive(stream);
    if (stream.fd !== null) {
      // Give back the unused preallocated tail (if this shrink is lost in a
      // crash, recovery just reads zeros as the end of the sealed segment).
      if (stream.allocated > sealed.size || stream.repairTo !== null) {
        fs.truncate(stream.fd, sealed.size);
        stream.repairTo = null;
      }
      fs.close(stream.fd);
      stream.fd = null;
    }
    stream.segments.push(newSegmentInfo(sealed.segment + 1, sealed.end));
    stream.fd = openActive(stream);
    await syncDir(stream.dir);
    // The index only speeds up recovery (a missing one means a scan), so it is
    // written off the append path.
    const path = indexPath(stream.dir, sealed.segment);
    return {
      index: writeDurably(path, index).catch((error: unknown) =>
        log(`index ${path} not written: ${String(error)}`),
      ),
    };
  }

  return {
    appendBatch,
    markDurable,
    roll,
    mark(stream) {
      const info = active(stream);
      return { segments: stream.segments.length, size: info.size, end: info.end };
    },
    rewind(stream, mark) {
      // A roll inside the failed write leaves its new, empty segment in place.
      const info = active(stream);
      const size = stream.segments.length === mark.segments ? mark.size : 0;
      const end = stream.segments.length === mark.segments ? mark.end : info.start;
      forgetFrom(info, size);
      info.size = size;
      info.end = end;
      try {
        if (stream.fd !== null) fs.truncate(stream.fd, size);
        stream.allocated = size;
      } catch (error) {
        stream.repairTo = size;
        log(`could not take back a failed write in ${stream.dir}: ${String(error)}`);
      }
    },
    syncDir,
    writeDurably,
  };
}
