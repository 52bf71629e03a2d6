import {
  AppError,
  type SlackEventEnvelope,
  type SlackEventItem,
  slackThreadStream,
} from "@iterate/contract";
import type { StreamStore } from "@iterate/streams";
import {
  ensureSessionStream,
  readSessionItems,
  SESSION_CONTENT_TYPE,
} from "../agent/session/session-stream.ts";

/** What recording one event did. */
export type RecordOutcome = {
  /** The event id was already in its thread's stream: nothing was appended. */
  duplicate: boolean;
  /** The thread's stream name (served at `/agents/<stream>`). */
  stream: string;
  item: SlackEventItem;
};

/** Options of {@link createSlackEventLog}. */
export interface SlackEventLogOptions {
  store: StreamStore;
  now?: () => number;
  /** Threads whose seen ids stay in memory; an evicted thread is re-read on its next event. */
  maxCachedThreads?: number;
}

/**
 * Per thread: the keys its stream holds (loaded once) — `event:<event_id>` and `ts:<message ts>`
 * of every recorded event — and the tail of its work queue.
 */
type ThreadState = { ids: Set<string> | null; tail: Promise<unknown>; busy: number };

/**
 * Records Slack events, each exactly once, in its thread's agent stream
 * `slack/<team>/<channel>/<thread_ts ?? ts>` as a `{type:"slack_event", …}` JSON item.
 *
 * Dedup on `event_id` is durable without a second file: the stream itself is the record. A
 * thread's ids are read from its stream on its first event after a start, then kept in memory;
 * so there is no window between "appended" and "marked seen" for a crash to fall into — a
 * delivery whose 200 was lost finds its id in the stream and is answered `duplicate`. An event id
 * always maps to the same thread (its envelope names it), so checking that one stream suffices.
 * A message is also recorded once when Slack sends it as two events (`app_mention` and
 * `message`, different ids, the same channel and ts): the first to arrive is kept — unless it is
 * the `message`, when the `app_mention` is recorded too (it says the bot was meant).
 * Events of one thread are recorded one at a time, so two copies of one event racing in (the
 * platform retrying an attempt it timed out on) cannot both append.
 *
 * @example
 * const events = createSlackEventLog({ store });
 * const { duplicate, stream } = await events.record(envelope);
 */
export function createSlackEventLog(options: SlackEventLogOptions) {
  const { store } = options;
  const now = options.now ?? Date.now;
  const maxCached = options.maxCachedThreads ?? 1000;
  const threads = new Map<string, ThreadState>();

  async function loadIds(stream: string): Promise<Set<string>> {
    // The same stream as the thread's agent session (an agent may have created it first).
    await ensureSessionStream(store, stream);
    const ids = new Set<string>();
    for (const item of (await readSessionItems(store, stream)).items) {
      const { type, eventId, eventType, ts } = (item ?? {}) as Record<string, unknown>;
      if (type !== "slack_event") continue;
      if (typeof eventId === "string") ids.add(`event:${eventId}`);
      if (typeof ts === "string") for (const key of keysOf(ts, eventType)) ids.add(key);
    }
    return ids;
  }

  async function recordInThread(
    state: ThreadState,
    stream: string,
    envelope: SlackEventEnvelope,
  ): Promise<RecordOutcome> {
    const item = itemOf(envelope, new Date(now()).toISOString());
    // Twice at most: a stream deleted since its ids were loaded is re-created and re-read once.
    for (let attempt = 0; ; attempt++) {
      state.ids ??= await loadIds(stream);
      // The same message also arrives as another event (`app_mention` and `message.channels`
      // both fire for a mention, with different event ids): its ts says it is the same one.
      // Except an `app_mention` after its `message` twin: it says what the twin could not (a
      // daemon that did not know the bot's id then took the twin for chatter), so it is
      // recorded, and the agent takes the message at most once (by its ts).
      const keys = keysOf(envelope.event.ts, envelope.event.type);
      if (state.ids.has(`event:${envelope.event_id}`) || state.ids.has(keys[0] as string)) {
        return { duplicate: true, stream, item };
      }
      const appended = await store.append(stream, {
        contentType: SESSION_CONTENT_TYPE,
        body: Buffer.from(JSON.stringify(item)),
        close: false,
      });
      if (appended.ok) {
        state.ids.add(`event:${envelope.event_id}`);
        for (const key of keys) state.ids.add(key);
        return { duplicate: false, stream, item };
      }
      if ((appended.reason === "not_found" || appended.reason === "gone") && attempt === 0) {
        state.ids = null;
        continue;
      }
      if (appended.reason === "stream_closed") {
        // The session is over; retrying cannot change that (422 tells the outbox to drop it).
        throw new AppError("conflict", `The thread's stream ${stream} is closed.`, 422);
      }
      if (appended.reason === "storage_failed") {
        // The machine's disk, not the event: 503 keeps it queued at the platform (a 500 would
        // count against the event, and enough of them set it aside).
        throw new AppError(
          "storage_failed",
          `The machine could not write to the thread's stream ${stream}; the platform keeps the event and retries.`,
          503,
        );
      }
      throw new Error(`slack stream ${stream}: append failed: ${appended.reason}`);
    }
  }

  function evictIdle() {
    for (const [name, state] of threads) {
      if (threads.size <= maxCached) return;
      if (state.busy === 0) threads.delete(name);
    }
  }

  return {
    /** Appends the event to its thread's stream unless its id is already there. */
    record(envelope: SlackEventEnvelope): Promise<RecordOutcome> {
      const stream = slackThreadStream(envelope);
      let state = threads.get(stream);
      if (!state) {
        state = { ids: null, tail: Promise.resolve(), busy: 0 };
        threads.set(stream, state);
        evictIdle();
      }
      const thread = state;
      thread.busy++;
      const run = thread.tail.then(() => recordInThread(thread, stream, envelope));
      // A failure (ids not loaded) is not cached: the next event of the thread loads again.
      thread.tail = run.catch(() => {});
      return run.finally(() => {
        thread.busy--;
      });
    },
  };
}

/**
 * The dedup keys a message's event records, the first the one it is checked by: a mention
 * records both, so its `message` twin after it is a duplicate, but not the other way round.
 */
function keysOf(ts: string, eventType: unknown): string[] {
  return eventType === "app_mention" ? [`mention:${ts}`, `ts:${ts}`] : [`ts:${ts}`];
}

/** The daemon's JSON item for an event (what the thread's stream holds). */
function itemOf(envelope: SlackEventEnvelope, receivedAt: string): SlackEventItem {
  const { event } = envelope;
  return {
    type: "slack_event",
    eventId: envelope.event_id,
    eventType: event.type,
    teamId: envelope.team_id,
    channel: event.channel,
    ts: event.ts,
    threadTs: event.thread_ts ?? event.ts,
    user: event.user ?? null,
    text: event.text ?? null,
    eventTime: envelope.event_time,
    receivedAt,
    event,
  };
}
