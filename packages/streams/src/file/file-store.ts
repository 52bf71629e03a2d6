import { mkdir, readdir, readFile, rename, rm, utimes } from "node:fs/promises";
import { join } from "node:path";
import type { LogBackend, RecoveredStream, StreamMeta } from "../core/log-backend.ts";
import { emptyLogState } from "../core/log-state.ts";
import { createStoreCore } from "../core/store-core.ts";
import type { StreamStore } from "../core/stream-store.ts";
import { type RecoveredFiles, recoverStreamDir } from "./file-recovery.ts";
import { nodeSegmentFs, type SegmentFs } from "./segment-fs.ts";
import { readSegments } from "./segment-reader.ts";
import { createSegmentWriter, type StreamFiles } from "./segment-writer.ts";
import { newSegmentInfo } from "./sparse-index.ts";

export interface FileStreamStoreOptions {
  /** Root directory, e.g. `~/.iterate/streams`; created if missing. */
  dir: string;
  /** fdatasync before acknowledging (default true). Off, data survives a process kill but not a power loss. */
  fsync?: boolean;
  /**
   * When tailing readers see an append: `written` (default) once it is in the
   * kernel — it survives `kill -9`, and its fsync overlaps the readers'
   * delivery (should that fsync fail, the batch is withdrawn and readers who
   * got it are told, see `core/group-commit.ts`); `durable` only after
   * fdatasync, so readers never see a write that fails. Writers are
   * acknowledged after fdatasync either way.
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
  /** Payload bytes cached across all streams (default 64 MiB; LRU). */
  cacheBytes?: number;
  /** Payload bytes cached for one stream, its newest (default 1 MiB). */
  cacheBytesPerStream?: number;
  /** One sparse-index checkpoint per this many bytes of segment file (default 64 KiB). */
  indexIntervalBytes?: number;
  /** The segment file operations (tests inject failures). */
  segmentFs?: SegmentFs;
  sweepIntervalMs?: number;
  now?: () => number;
  log?: (message: string) => void;
}

const IDLE_FD_MS = 60_000;

/**
 * The durable stream store (default): one directory per stream under `dir`
 * holding `meta.json`, append-only segment files of CRC-framed records
 * (`record-codec.ts`) and, for sealed segments, a sparse index
 * (`segment-index.ts`). Appends are group-committed: each batch is one write +
 * one fdatasync, and nothing is acknowledged before that (readers see a batch
 * once it is written to the kernel, see `visibility`). Creates are prepared in
 * `.creating-<id>/` and renamed into place; deletes rename to `.trash-<id>/`
 * first — both atomic. Startup recovery truncates a torn last record left by
 * `kill -9` or power loss, and loads no payloads: memory holds a sparse index
 * per stream and one global, bounded payload cache.
 *
 * @example
 * const store = await createFileStreamStore({ dir: join(home, ".iterate/streams") });
 */
export async function createFileStreamStore(options: FileStreamStoreOptions): Promise<StreamStore> {
  const root = options.dir;
  const durable = options.fsync ?? true;
  const visibility = options.visibility ?? "written";
  const segmentBytes = options.segmentBytes ?? 8 * 1024 * 1024;
  const indexInterval = options.indexIntervalBytes ?? 64 * 1024;
  const fs = options.segmentFs ?? nodeSegmentFs;
  const log = options.log ?? ((message: string) => console.error(`[streams] ${message}`));
  const now = options.now ?? Date.now;
  const files = new Map<string, StreamFiles>();
  // Access-time updates in flight; `close` lets them land.
  const touches = new Set<Promise<void>>();

  const fileOf = (meta: StreamMeta): StreamFiles => {
    const stream = files.get(meta.id);
    if (!stream) throw new Error(`stream ${meta.name} has no open log`);
    return stream;
  };
  const dirOf = (meta: StreamMeta) => files.get(meta.id)?.dir ?? join(root, meta.id);

  const writer = createSegmentWriter({
    fs,
    durable,
    preallocateBytes: options.preallocateBytes ?? 64 * 1024,
    indexInterval,
    now,
    log,
  });
  const { syncDir, writeDurably } = writer;

  function openFiles(dir: string, recovered: RecoveredFiles): StreamFiles {
    return {
      dir,
      segments: recovered.segments,
      fd: null,
      allocated: 0,
      state: recovered.state,
      withdrawn: recovered.withdrawn,
      lastWriteAt: now(),
      repairTo: null,
    };
  }

  const backend: LogBackend = {
    async recover() {
      await mkdir(root, { recursive: true, mode: 0o700 });
      const byName = new Map<
        string,
        { recovered: RecoveredStream; files: RecoveredFiles; dir: string }
      >();
      // One scan buffer for every stream: recovery keeps no payload.
      const scratch = Buffer.allocUnsafe(1024 * 1024);
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
        const result = await recoverStreamDir(dir, meta, { indexInterval, log, scratch });
        const other = byName.get(meta.name);
        // Two directories for one name can only be a crash during delete+recreate: the newer wins.
        if (other && other.recovered.meta.createdAt > meta.createdAt) {
          await backend.remove(meta);
          continue;
        }
        if (other) await backend.remove(other.recovered.meta);
        byName.set(meta.name, { ...result, dir });
      }
      for (const { recovered, files: found, dir } of byName.values()) {
        files.set(recovered.meta.id, openFiles(dir, found));
      }
      return [...byName.values()].map((entry) => entry.recovered);
    },

    async create(meta, content) {
      const staging = join(root, `.creating-${meta.id}`);
      const dir = join(root, meta.id);
      await mkdir(staging, { recursive: true });
      await writeDurably(join(staging, "meta.json"), JSON.stringify(meta));
      const stream = openFiles(staging, {
        segments: [newSegmentInfo(1, 0)],
        state: emptyLogState(),
        withdrawn: [],
      });
      const indexes: Promise<void>[] = [];
      try {
        // A fork's inherited records arrive a batch (~1 MiB) at a time.
        for await (const writes of content) {
          if ((stream.segments.at(-1)?.size ?? 0) >= segmentBytes) {
            if (durable && stream.fd !== null) await fs.datasync(stream.fd);
            indexes.push((await writer.roll(stream)).index);
          }
          writer.appendBatch(stream, writes);
          writer.markDurable(stream, writes);
        }
        if (stream.fd === null) stream.fd = fs.open(join(staging, "00000001.seg"));
        if (durable) await fs.datasync(stream.fd);
        await Promise.all(indexes);
        await syncDir(staging);
        await rename(staging, dir);
        await syncDir(root);
      } catch (error) {
        if (stream.fd !== null) fs.close(stream.fd);
        await rm(staging, { recursive: true, force: true });
        throw error;
      }
      stream.dir = dir;
      files.set(meta.id, stream);
    },

    async write(meta, writes, published) {
      const stream = fileOf(meta);
      const mark = writer.mark(stream);
      try {
        if ((stream.segments.at(-1)?.size ?? 0) >= segmentBytes) await writer.roll(stream);
        writer.appendBatch(stream, writes);
        // In the page cache now: a killed daemon can no longer lose it, so tailing
        // readers may see it while fdatasync makes it survive power loss too.
        if (visibility === "written" && published) {
          published();
          // Let the woken readers' responses go out before the fsync competes
          // with them for the CPU.
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (durable) await fs.datasync(stream.fd as number);
      } catch (error) {
        writer.rewind(stream, mark);
        throw error;
      }
      writer.markDurable(stream, writes);
    },

    async read(meta, from, window) {
      const stream = fileOf(meta);
      return readSegments(stream.dir, stream.segments, from, window);
    },

    touch(meta, atMs) {
      // meta.json's mtime is the last access (read back by recovery): one
      // metadata update, no data written, no fsync — losing the newest to a
      // power cut only shortens a window by as much.
      const at = atMs / 1000;
      const touched = utimes(join(dirOf(meta), "meta.json"), at, at).catch(() => {});
      touches.add(touched);
      void touched.finally(() => touches.delete(touched));
    },

    async updateMeta(meta) {
      const dir = dirOf(meta);
      await writeDurably(join(dir, "meta.json.tmp"), JSON.stringify(meta));
      await rename(join(dir, "meta.json.tmp"), join(dir, "meta.json"));
      await syncDir(dir);
    },

    async remove(meta) {
      const stream = files.get(meta.id);
      files.delete(meta.id);
      if (stream && stream.fd !== null) fs.close(stream.fd);
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
      await Promise.all(touches);
      for (const stream of files.values()) {
        if (stream.fd !== null) fs.close(stream.fd);
        stream.fd = null;
      }
    },
  };

  // Streams not written for a while give their file descriptor back.
  const idleSweep = setInterval(() => {
    const cutoff = now() - IDLE_FD_MS;
    for (const stream of files.values()) {
      if (stream.fd !== null && stream.lastWriteAt < cutoff) {
        fs.close(stream.fd);
        stream.fd = null;
      }
    }
  }, IDLE_FD_MS);
  idleSweep.unref();

  const recovered = await backend.recover();
  return createStoreCore({
    backend,
    recovered,
    cache: { maxBytes: options.cacheBytes, maxBytesPerStream: options.cacheBytesPerStream },
    sweepIntervalMs: options.sweepIntervalMs,
    now,
  });
}
