import { closeSync, fdatasync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { type ActiveSegment, recoverStreamDir } from "./file-recovery.ts";
import type { LogBackend, RecoveredStream, StreamMeta } from "./log-backend.ts";
import { applyRecordState } from "./segment-index.ts";
import { createSegmentIo, type StreamFiles } from "./segment-io.ts";
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

  const fileOf = (meta: StreamMeta): StreamFiles => {
    const stream = files.get(meta.id);
    if (!stream) throw new Error(`stream ${meta.name} has no open log`);
    return stream;
  };

  const segments = createSegmentIo({ durable, segmentBytes, preallocateBytes, now, log });
  const { syncDir, writeDurably } = segments;

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
        segments.appendBatch(stream, writes);
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
      if (stream.size >= segmentBytes) await segments.roll(stream);
      segments.appendBatch(stream, writes);
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

    readPayloads(meta, records, firstStart) {
      return segments.readPayloads(
        files.get(meta.id)?.dir ?? join(root, meta.id),
        records,
        firstStart,
      );
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

function _copyState(stream: ActiveSegment): ActiveSegment["state"] {
  return { ...stream.state, producers: new Map(stream.state.producers) };
}
