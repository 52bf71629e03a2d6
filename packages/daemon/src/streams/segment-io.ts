import { closeSync, constants, fstatSync, ftruncateSync, openSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { type ActiveSegment, indexPath, segmentPath } from "./file-recovery.ts";
import type { LogRecord, PendingWrite } from "./log-backend.ts";
import { encodeRecord } from "./record-codec.ts";
import { encodeSegmentIndex } from "./segment-index.ts";

/** Per-stream write state: the active segment and the durable log state. */
export interface StreamFiles extends ActiveSegment {
  dir: string;
  fd: number | null;
  /** Current length of the active segment file (≥ `size` when preallocated). */
  allocated: number;
  lastWriteAt: number;
}

/** Segment-file I/O of the file store: append batches, roll segments, read payloads back. */
export interface SegmentIo {
  /** Encodes `writes`, writes them with one write(2) and fills in record locations. */
  appendBatch(stream: StreamFiles, writes: readonly PendingWrite[]): void;
  /** Seals the active segment (its index is written in the background) and starts the next. */
  roll(stream: StreamFiles): Promise<void>;
  /** Payloads of consecutive records, one read per run within a segment. */
  readPayloads(dir: string, records: readonly LogRecord[], firstStart: number): Promise<Buffer[]>;
  /** fsync a directory (after creating, renaming or removing entries in it). */
  syncDir(path: string): Promise<void>;
  /** Writes a whole file and fdatasyncs it. */
  writeDurably(path: string, data: string | Buffer): Promise<void>;
}

/**
 * @example
 * const io = createSegmentIo({ durable: true, segmentBytes: 8 << 20, preallocateBytes: 64 << 10, now: Date.now, log });
 * io.appendBatch(stream, writes);
 */
export function createSegmentIo(options: {
  durable: boolean;
  segmentBytes: number;
  preallocateBytes: number;
  now: () => number;
  log: (message: string) => void;
}): SegmentIo {
  const { durable, preallocateBytes, now, log } = options;

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
  // Segment files grow ahead of the data (sparse, via ftruncate), so most
  // appends do not change the file size and fdatasync flushes only data blocks,
  // without an inode journal commit — cheaper per batch. Recovery reads the
  // zero tail as "end of log".
  function openSegment(stream: StreamFiles): number {
    const fd = openSync(
      segmentPath(stream.dir, stream.segment),
      constants.O_RDWR | constants.O_CREAT,
    );
    stream.allocated = fstatSync(fd).size;
    return fd;
  }

  function reserve(stream: StreamFiles, fd: number, end: number): void {
    if (preallocateBytes <= 0 || end <= stream.allocated) return;
    stream.allocated = (Math.floor(end / preallocateBytes) + 1) * preallocateBytes;
    ftruncateSync(fd, stream.allocated);
  }

  // Encodes a batch, writes it with one write(2) from the event loop (page
  // cache, microseconds) and fills in where each payload landed.
  function appendBatch(stream: StreamFiles, writes: readonly PendingWrite[]): void {
    stream.fd ??= openSegment(stream);
    const parts: Buffer[] = [];
    let position = stream.size;
    for (const write of writes) {
      const encoded = encodeRecord(write);
      if (write.record) {
        write.record.segment = stream.segment;
        write.record.at = position + encoded.payloadOffset;
        stream.entries.push({ end: write.record.end, at: write.record.at });
      }
      for (const part of encoded.parts) {
        parts.push(part);
        position += part.length;
      }
    }
    const data = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    reserve(stream, stream.fd, position);
    let written = 0;
    while (written < data.length) {
      written += writeSync(stream.fd, data, written, data.length - written, stream.size + written);
    }
    stream.size = position;
    stream.lastWriteAt = now();
  }

  async function roll(stream: StreamFiles): Promise<void> {
    const sealed = { segment: stream.segment, entries: stream.entries, state: copyState(stream) };
    if (stream.fd !== null) {
      // Give back the unused preallocated tail (if this shrink is lost in a
      // crash, recovery just reads zeros as the end of the sealed segment).
      if (stream.allocated > stream.size) ftruncateSync(stream.fd, stream.size);
      closeSync(stream.fd);
    }
    stream.segment += 1;
    stream.size = 0;
    stream.entries = [];
    stream.fd = openSegment(stream);
    await syncDir(stream.dir);
    // The index only speeds up recovery (a missing one means a scan), so it is
    // written off the append path.
    writeDurably(
      indexPath(stream.dir, sealed.segment),
      encodeSegmentIndex(sealed.entries, sealed.state),
    ).catch((error: unknown) =>
      log(`index of ${stream.dir} segment ${sealed.segment} not written: ${String(error)}`),
    );
  }

  return {
    appendBatch,
    roll,
    async readPayloads(dir, records, firstStart) {
      const out: Buffer[] = [];
      let i = 0;
      let start = firstStart;
      while (i < records.length) {
        // One read per run of records in the same segment (headers in between are skipped).
        const first = records[i] as LogRecord;
        let j = i;
        const sizes: number[] = [];
        let previousEnd = start;
        while (j < records.length && (records[j] as LogRecord).segment === first.segment) {
          const record = records[j] as LogRecord;
          sizes.push(record.end - previousEnd);
          previousEnd = record.end;
          j++;
        }
        const last = records[j - 1] as LogRecord;
        const from = first.at;
        const length = last.at + (sizes.at(-1) as number) - from;
        const buffer = await readRange(dir, first.segment, from, length);
        for (let k = i; k < j; k++) {
          const record = records[k] as LogRecord;
          const at = record.at - from;
          out.push(buffer.subarray(at, at + (sizes[k - i] as number)));
        }
        start = previousEnd;
        i = j;
      }
      return out;
    },

    syncDir,
    writeDurably,
  };
}

// Reads use their own handle: the writer's descriptor may be closed by the
// idle sweep meanwhile, and a reused descriptor number must never be read.
async function readRange(
  dir: string,
  segment: number,
  position: number,
  length: number,
): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  const handle = await open(segmentPath(dir, segment), "r");
  try {
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function copyState(stream: ActiveSegment): ActiveSegment["state"] {
  return { ...stream.state, producers: new Map(stream.state.producers) };
}
