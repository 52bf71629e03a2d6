/** Edits of one status message are at least this far apart (Slack allows about one per second per channel). */
export const DEFAULT_STATUS_THROTTLE_MS = 1500;

/** Options of {@link createStatusLine}. */
export interface StatusLineOptions {
  /** Posts the message; resolves with its ts (null when Slack refused). */
  post(text: string): Promise<string | null>;
  update(ts: string, text: string): Promise<void>;
  throttleMs?: number;
}

/**
 * One status message, edited as the agent works. The first text is posted at once; later ones
 * replace it at most every `throttleMs`, and only the newest waiting text is sent (a burst of
 * ten tool calls costs one edit, not ten — Slack rate-limits `chat.update`). `finish` sends the
 * final text after any edit in flight, so the last word is always the final one.
 *
 * @example
 * const line = createStatusLine({ post, update });
 * line.set("reading `a.ts`"); line.set("running `pnpm test`");
 * await line.finish("✅ Done");
 */
export function createStatusLine(options: StatusLineOptions) {
  const throttleMs = options.throttleMs ?? DEFAULT_STATUS_THROTTLE_MS;
  let ts: Promise<string | null> | null = null;
  let waiting: string | null = null;
  // When the last text was handed to Slack (set at once, not when the call ends, so a burst
  // right after the first post is throttled too).
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  let finished = false;

  const send = (text: string) => {
    lastSentAt = Date.now();
    chain = chain.then(async () => {
      if (!ts) {
        ts = options.post(text).catch(() => null);
        await ts;
        return;
      }
      const posted = await ts;
      if (posted) await options.update(posted, text).catch(() => {});
      else ts = options.post(text).catch(() => null); // the first post failed: try again
    });
  };

  const flushWaiting = () => {
    timer = undefined;
    if (waiting === null) return;
    const text = waiting;
    waiting = null;
    send(text);
  };

  return {
    /** The newest status; sent now or at the next allowed moment. */
    set(text: string) {
      if (finished) return;
      waiting = text;
      if (timer) return;
      const wait = Math.max(0, lastSentAt + throttleMs - Date.now());
      if (wait === 0) flushWaiting();
      else timer = setTimeout(flushWaiting, wait);
    },
    /** Replaces the status with its final text (posting it when nothing was posted yet). */
    async finish(text: string): Promise<string | null> {
      finished = true;
      clearTimeout(timer);
      waiting = null;
      send(text);
      await chain;
      return ts ? await ts : null;
    },
    /** The status message's ts once posted. */
    async ts(): Promise<string | null> {
      await chain;
      return ts ? await ts : null;
    },
  };
}
