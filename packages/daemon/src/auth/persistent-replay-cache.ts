import {
  closeSync,
  fdatasync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createReplayCache, type ReplayCache } from "@iterate/contract";
import { ensurePrivateDir } from "../atomic-file.ts";

/**
 * How long one log file is written to. Every jti lives at most 120 s after it is claimed (a
 * token may be issued up to 30 s ahead of this clock, lives ≤ 60 s, and is remembered 30 s
 * past its `exp`), so a file whose period ended one full period ago holds only expired ids.
 */
const PERIOD_MS = 120_000;
const FILE = /^jtis-(\d+)\.log$/;

/** Options of {@link openPersistentReplayCache}. */
export interface PersistentReplayCacheOptions {
  /** Usually `<home>/.iterate/replay`; created 0700 when missing. */
  dir: string;
  /** The in-memory cache it fills and guards; default the contract's `createReplayCache()`. */
  inner?: ReplayCache;
  /** Millisecond clock; default Date.now. */
  now?: () => number;
  /** One line when lines of the log could not be read back (a torn write after a power loss). */
  log?: (line: string) => void;
}

/** A {@link ReplayCache} that survives restarts; `close()` releases its file. */
export interface PersistentReplayCache extends ReplayCache {
  /**
   * Writes the ids claimed since the last flush to the log, in one write. Call it before
   * acting on a claim: until then a crash forgets the id. Throws when the write fails (and
   * keeps the ids, so the next flush tries them again).
   */
  flush(): void;
  close(): void;
}

/**
 * The replay cache, persisted: every jti it accepts is appended (`[expiresAtMs, "jti"]`) to a
 * log under `dir` by the next `flush()` — `platformAuth` flushes before the request runs — and
 * a restarted daemon loads the ids still live, so a captured request stays refused
 * (`replayed`) across restarts.
 * Fresh tokens are never refused, so the platform's retries (it signs each one anew) work at
 * once after a restart. The log is rotated every 2 minutes; files past their lifetime are
 * deleted, so it holds at most ~4 minutes of ids.
 *
 * Durability: each flush is one `write` to the page cache, which a killed or crashed daemon
 * does not lose; a background `fdatasync` once a second bounds what a power loss can. Why
 * claims are batched: next to the stream store's fdatasyncs a `write` on the same disk took
 * ~7 µs, a fifth of a small signed append, so `platformAuth` writes the claims of a turn's
 * later requests together (turn-flush.ts).
 *
 * @example
 * const replayCache = await openPersistentReplayCache({ dir: join(home, ".iterate", "replay") });
 * app.use(platformAuth({ secret, machineId, replayCache }));
 */
export async function openPersistentReplayCache(
  options: PersistentReplayCacheOptions,
): Promise<PersistentReplayCache> {
  const now = options.now ?? Date.now;
  const inner = options.inner ?? createReplayCache();
  await ensurePrivateDir(options.dir);
  const period = () => Math.floor(now() / PERIOD_MS);
  let torn = 0;
  for (const name of await readdir(options.dir)) {
    const match = FILE.exec(name);
    if (!match || Number(match[1]) < period() - 1) continue;
    const text = await readFile(join(options.dir, name), "utf8");
    for (const line of text.split("\n")) {
      if (line === "") continue;
      const entry = parseEntry(line);
      if (!entry) torn++;
      // The cache keeps what may still verify (to the end of its second) and skips the rest.
      else inner.claim(entry.jti, entry.expiresAt, now());
    }
  }
  if (torn > 0) {
    options.log?.(`replay cache: skipped ${torn} unreadable line(s) in ${options.dir}`);
  }

  let fd = -1;
  let openPeriod = -1;
  let dirty = false;
  /** Lines claimed but not yet written. */
  let pending = "";
  function fileFor(current: number): number {
    if (current === openPeriod) return fd;
    if (fd !== -1) closeSync(fd);
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    fd = openSync(join(options.dir, `jtis-${current}.log`), "a+", 0o600);
    openPeriod = current;
    endTornLine(fd);
    for (const name of readdirSync(options.dir)) {
      const match = FILE.exec(name);
      if (match && Number(match[1]) < current - 1) unlinkSync(join(options.dir, name));
    }
    return fd;
  }
  fileFor(period());
  const syncTimer = setInterval(() => {
    if (!dirty || fd === -1) return;
    dirty = false;
    fdatasync(fd, () => {});
  }, 1000);
  syncTimer.unref();

  function flush(): void {
    if (pending === "") return;
    // Synchronous on purpose: the ids are in the log before the caller lets its request run.
    // A failing write throws, and the request fails with it (fail closed).
    writeAll(fileFor(period()), pending);
    pending = "";
    dirty = true;
  }

  return {
    claim(jti, expiresAtMs, nowMs) {
      if (!inner.claim(jti, expiresAtMs, nowMs)) return false;
      // The line JSON.stringify([expiresAtMs, jti]) writes, without building the array: the
      // inner cache accepts only finite expiries, which print alike either way.
      pending += `[${expiresAtMs},${JSON.stringify(jti)}]\n`;
      return true;
    },
    flush,
    get size() {
      return inner.size;
    },
    close() {
      clearInterval(syncTimer);
      try {
        flush();
      } catch {
        // Closing anyway: no request is waiting on these ids any more.
      }
      if (fd !== -1) closeSync(fd);
      fd = -1;
      openPeriod = -1;
    },
  };
}

/** One log line, `[expiresAtMs, "jti"]` (JSON, so no jti can forge a line), or null if torn. */
function parseEntry(line: string): { expiresAt: number; jti: string } | null {
  try {
    const value: unknown = JSON.parse(line);
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [expiresAt, jti] = value as [unknown, unknown];
    if (typeof expiresAt !== "number" || !Number.isFinite(expiresAt)) return null;
    return typeof jti === "string" && jti !== "" ? { expiresAt, jti } : null;
  } catch {
    return null;
  }
}

/**
 * Writes all of `text` or throws: a short write (a nearly full disk) must not drop the ids
 * after it while their requests go on to run.
 */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, "utf8");
  let written = 0;
  while (written < bytes.length) {
    const n = writeSync(fd, bytes, written);
    if (n <= 0) throw new Error("replay cache: the log took no bytes");
    written += n;
  }
}

/**
 * A log whose last line was torn (power loss mid-write) gets its newline first: the next id
 * would otherwise be glued to the fragment and lost with it at the next start.
 */
function endTornLine(fd: number): void {
  const { size } = fstatSync(fd);
  if (size === 0) return;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] !== 0x0a) writeSync(fd, "\n");
}
