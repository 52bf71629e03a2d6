import type { AgentItem } from "@iterate/contract";
import { ensureSessionStream, SESSION_CONTENT_TYPE } from "./session-stream.ts";
import type { StreamStore } from "./streams.ts";

/** Appends a session's items in order, several per append when they come in a burst. */
export interface SessionWriter {
  /** Queues an item; it is appended soon, after every item queued before it. */
  write(item: AgentItem): void;
  /** Resolves once everything queued so far is durable (or failed and was reported). */
  flush(): Promise<void>;
}

/**
 * Group commit for one session stream: items queued while an append is in flight go out
 * together as one JSON array (the store flattens it into items), so a burst — a tool call and
 * its status, say — costs one durable write, and order is the order of `write` calls. A failed
 * append is reported through `onError` and not retried: the session goes on, the stream misses
 * those items (the store only fails when the disk does).
 *
 * @example
 * const writer = createSessionWriter({ store, path: "web/ses_1", onError: log });
 * writer.write({ type: "status", runId, at, text: "reading a.ts" });
 * await writer.flush();
 */
export function createSessionWriter(options: {
  store: StreamStore;
  path: string;
  onError: (message: string) => void;
}): SessionWriter {
  const { store, path } = options;
  let pending: AgentItem[] = [];
  let tail: Promise<void> = Promise.resolve();
  let ensured = false;
  let scheduled = false;

  async function appendBatch(batch: AgentItem[]): Promise<void> {
    try {
      if (!ensured) {
        await ensureSessionStream(store, path);
        ensured = true;
      }
      const result = await store.append(path, {
        contentType: SESSION_CONTENT_TYPE,
        body: Buffer.from(JSON.stringify(batch)),
        close: false,
      });
      if (!result.ok) {
        // Deleted meanwhile: re-create on the next batch.
        if (result.reason === "not_found" || result.reason === "gone") ensured = false;
        options.onError(`session ${path}: ${batch.length} item(s) not recorded: ${result.reason}`);
      }
    } catch (error) {
      options.onError(
        `session ${path}: ${batch.length} item(s) not recorded: ${(error as Error).message}`,
      );
    }
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    tail = tail.then(() => {
      scheduled = false;
      const batch = pending;
      pending = [];
      return batch.length > 0 ? appendBatch(batch) : undefined;
    });
  }

  return {
    write(item) {
      pending.push(item);
      schedule();
    },
    flush() {
      schedule();
      return tail;
    },
  };
}
