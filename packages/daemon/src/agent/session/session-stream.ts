import { AppError } from "@iterate/contract";
import type { StreamStore } from "./streams.ts";

/** Agent session streams are JSON-mode streams (PROTOCOL §7.1): one JSON value per item. */
export const SESSION_CONTENT_TYPE = "application/json";
const READ_PAGE_BYTES = 1024 * 1024;

/**
 * Creates the session's stream unless it exists (the Slack edge may have created it with the
 * same settings, which is the same stream).
 *
 * @example await ensureSessionStream(store, "web/ses_1");
 */
export async function ensureSessionStream(store: StreamStore, path: string): Promise<void> {
  const created = await store.create(path, {
    contentType: SESSION_CONTENT_TYPE,
    closed: false,
    body: new Uint8Array(0),
  });
  if (created.ok || created.reason === "config_mismatch") return;
  if (created.reason === "storage_failed") {
    // The machine's disk, not the request: 503, so a caller (the platform's outbox) tries again.
    throw new AppError(
      "storage_failed",
      `The machine could not write the session's stream ${path}; try again.`,
      503,
    );
  }
  throw new Error(`session stream ${path} could not be created: ${created.reason}`);
}

/**
 * Every item of a session stream in order, parsed (unknown types included: callers skip what
 * they do not know). An absent stream has none. `from` continues a previous read.
 *
 * @example const { items, end } = await readSessionItems(store, "slack/T1/C1/1.2");
 */
export async function readSessionItems(
  store: StreamStore,
  path: string,
  from = 0,
  /** false for a scan (a session read only for its state): the store's cache is left alone. */
  cache = true,
): Promise<{ items: unknown[]; end: number }> {
  const items: unknown[] = [];
  let position = from;
  for (;;) {
    const read = await store.read(path, { from: position, maxBytes: READ_PAGE_BYTES, cache });
    if (!read.ok) {
      if (read.reason === "not_found" || read.reason === "gone") return { items, end: position };
      throw new Error(`session stream ${path} could not be read: ${read.reason}`);
    }
    for (const chunk of read.chunks) items.push(...parseStoredJson(chunk));
    if (read.upToDate || read.end <= position) return { items, end: read.end };
    position = read.end;
  }
}

/** The items of one stored JSON-mode append (`{…},{…},`; see streams/json-mode.ts). */
function parseStoredJson(chunk: Uint8Array): unknown[] {
  const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("utf8");
  if (text.length === 0) return [];
  try {
    return JSON.parse(`[${text.replace(/,\s*$/, "")}]`) as unknown[];
  } catch {
    return [];
  }
}
