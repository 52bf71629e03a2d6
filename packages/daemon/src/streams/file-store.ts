import {
  closeSync,
  constants,
  fdatasync,
  fstatSync,
  ftruncateSync,
  openSync,
  writeSync,
} from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { type ActiveSegment, indexPath, recoverStreamDir, segmentPath } from "./file-recovery.ts";
import type {
  LogBackend,
  LogRecord,
  PendingWrite,
  RecoveredStream,
  StreamMeta,
} from "./log-backend.ts";
import { encodeRecord } from "./record-codec.ts";
import { applyRecordState, encodeSegmentIndex } from "./segment-index.ts";
import { createStoreCore } from "./store-core.ts";
import type { StreamStore } from "./stream-store.ts";

export interface FileStreamStoreOptions {
  /** Root directory, e.g. `~/.iterate/streams`; created if missing. */
  dir: string;
  /** fdatasync before acknowledging (default true). Off, data survives a process kill but not a power loss. */
  fsync?: boolean;
  /**
   * When tailing readers see an append: `written` (default) once it is in the
   * kernel — it survives `kill -9`, and its fsync overlaps the readers'
   * delivery; `durable` only after fdatasync, so not even a power loss can take
   * back what a reader saw. Writers are acknowledged after fdatasync either way.
   */
  visibility?: "written" | "durable";
  /** Roll to a new segment file once the active one reaches this size (default 8 MiB). */
  segmentBytes?: number;
  /**
   * Grow segment files ahead of the data in steps of this many bytes (sparse,
   * via ftruncate; default 64 KiB, 0 disables) so most appends do not change
   * the file size and their fdatasync skips the inode journal commit.
   */
  preallocateBytes?: number;
  /** Newest payload bytes kept in memory per stream for tailing readers (default 1 MiB). */
  cacheBytesPerStream?: number;
  sweepIntervalMs?: number;
  now?: () => number;
  log?: (message: string) => void;
}

/** Per-stream write state: the active segment and the durable log state. */
interface StreamFiles extends ActiveSegment {
  dir: string;
  fd: number | null;
  /** Current length of the active segment file (≥ `size` when preallocated). */
  allocated: number;
  lastWriteAt: number;
}

const fdatasyncAsync = promisify(fdatasync);
const IDLE_FD_MS = 60_000;

/**
 * The durable stream store (default): one directory per stream under `dir`
 * holding `meta.json`, append-only segment files of CRC-framed records
 * (`record-codec.ts`) and, for sealed segments, an index (`segment-index.ts`).
 * Appends are group-committed: each batch is one write + one fdatasync, and
 * nothing is acknowledged before that (readers see a batch once it is written
 * to the kernel, see `visibility`). Creates are
 * prepared in `.creating-<id>/` and renamed into place; deletes rename to
 * `.trash-<id>/` first — both atomic. Startup recovery truncates a torn last
 * record left by `kill -9` or power loss.
 *
 * @example
 * const store = await createFileStreamStore({ dir: join(home, ".iterate/streams") });
 */
export async function createFileStreamStore(options: FileStreamStoreOptions): Promise<StreamStore> {
  const root = options.dir;
  const durable = options.fsync ?? true;
  const visibility = options.visibility ?? "written";
  const segmentBytes = options.segmentBytes ?? 8 * 1024 * 1024;
  const preallocateBytes = options.preallocateBytes ?? 64 * 1024;
  const cacheBytes = options.cacheBytesPerStream ?? 1024 * 1024;
  const log = options.log ?? ((message: string) => console.error(`[streams] ${message}`));
  const now = options.now ?? Date.now;
  const files = new Map<string, StreamFiles>();

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
  const fileOf = (meta: StreamMeta): StreamFiles => {
    const stream = files.get(meta.id);
    if (!stream) throw new Error(`stream ${meta.name} has no open log`);
    return stream;
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

  const backend: LogBackend = {
    async recover() {
      await mkdir(root, { recursive: true, mode: 0o700 });
      const byName = new Map<
        string,
        { recovered: RecoveredStream; active: ActiveSegment; dir: string }
      >();
      for (const entry of await readdir(root, { withFileTypes: true })) {
        const dir = join(root, entry.name);
        if (entry.name.startsWith(".trash-") || entry.name.startsWith(".creating-")) {
          await rm(dir, { recursive: true, force: true });
          continue;
        }
        if (!entry.isDirectory()) continue;
        let meta: StreamMeta;
        try {
          meta = JSON.parse(await readFile(join(dir, "meta.json"), "utf8")) as StreamMeta;
        } catch (error) {
          log(`skipping ${dir}: unreadable meta.json (${String(error)})`);
          continue;
        }
        const result = await recoverStreamDir(dir, meta, { cacheBytes, log });
        const other = byName.get(meta.name);
        // Two directories for one name can only be a crash during delete+recreate: the newer wins.
        if (other && other.recovered.meta.createdAt > meta.createdAt) {
          await backend.remove(meta);
          continue;
        }
        if (other) await backend.remove(other.recovered.meta);
        byName.set(meta.name, { ...result, dir });
      }
      for (const { recovered, active, dir } of byName.values()) {
        files.set(recovered.meta.id, {
          ...active,
          dir,
          fd: null,
          allocated: 0,
          lastWriteAt: now(),
        });
      }
      return [...byName.values()].map((entry) => entry.recovered);
    },

    async create(meta, writes) {
      const staging = join(root, `.creating-${meta.id}`);
      const dir = join(root, meta.id);
      await mkdir(staging, { recursive: true });
      await writeDurably(join(staging, "meta.json"), JSON.stringify(meta));
      const stream: StreamFiles = {
        dir: staging,
        segment: 1,
        size: 0,
        entries: [],
        state: { closed: false, producers: new Map() },
        fd: null,
        allocated: 0,
        lastWriteAt: now(),
      };
      try {
        appendBatch(stream, writes);
        if (durable) await fdatasyncAsync(stream.fd as number);
        await syncDir(staging);
        await rename(staging, dir);
        await syncDir(root);
      } catch (error) {
        if (stream.fd !== null) closeSync(stream.fd);
        await rm(staging, { recursive: true, force: true });
        throw error;
      }
      stream.dir = dir;
      for (const write of writes) applyRecordState(stream.state, write);
      files.set(meta.id, stream);
    },

    async write(meta, writes, published) {
      const stream = fileOf(meta);
      if (stream.size >= segmentBytes) await roll(stream);
      appendBatch(stream, writes);
      // In the page cache now: a killed daemon can no longer lose it, so tailing
      // readers may see it while fdatasync makes it survive power loss too.
      if (visibility === "written" && published) {
        published();
        // Let the woken readers' responses go out before the fsync competes
        // with them for the CPU.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (durable) await fdatasyncAsync(stream.fd as number);
      for (const write of writes) applyRecordState(stream.state, write);
    },

    async readPayloads(meta, records, firstStart) {
      const stream = files.get(meta.id);
      const dir = stream?.dir ?? join(root, meta.id);
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

    async updateMeta(meta) {
      const dir = files.get(meta.id)?.dir ?? join(root, meta.id);
      await writeDurably(join(dir, "meta.json.tmp"), JSON.stringify(meta));
      await rename(join(dir, "meta.json.tmp"), join(dir, "meta.json"));
      await syncDir(dir);
    },

    async remove(meta) {
      const stream = files.get(meta.id);
      files.delete(meta.id);
      if (stream && stream.fd !== null) closeSync(stream.fd);
      const trash = join(root, `.trash-${meta.id}`);
      try {
        await rename(stream?.dir ?? join(root, meta.id), trash);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
        throw error;
      }
      await syncDir(root);
      await rm(trash, { recursive: true, force: true });
    },

    async close() {
      clearInterval(idleSweep);
      for (const stream of files.values()) {
        if (stream.fd !== null) closeSync(stream.fd);
        stream.fd = null;
      }
    },
  };

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

  // Streams not written for a while give their file descriptor back.
  const idleSweep = setInterval(() => {
    const cutoff = now() - IDLE_FD_MS;
    for (const stream of files.values()) {
      if (stream.fd !== null && stream.lastWriteAt < cutoff) {
        closeSync(stream.fd);
        stream.fd = null;
      }
    }
  }, IDLE_FD_MS);
  idleSweep.unref();

  const recovered = await backend.recover();
  return createStoreCore({
    backend,
    recovered,
    cacheBytesPerStream: cacheBytes,
    sweepIntervalMs: options.sweepIntervalMs,
    now,
  });
}

function copyState(stream: ActiveSegment): ActiveSegment["state"] {
  return { ...stream.state, producers: new Map(stream.state.producers) };
}
