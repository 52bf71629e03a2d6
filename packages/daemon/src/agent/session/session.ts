import type { AgentMessage } from "@mariozechner/pi-agent-core";
import type { AgentRun } from "../loop/agent-run.ts";
import { applySessionItems, emptySessionState, type SessionState } from "./session-state.ts";
import { readSessionItems } from "./session-stream.ts";
import { createSessionWriter, type SessionWriter } from "./session-writer.ts";
import type { StreamStore } from "./streams.ts";

/** One agent session (a Slack thread or a web session) while the daemon runs. */
export interface Session {
  /** Stream name: `slack/<team>/<channel>/<thread_ts>` or `web/<id>`. */
  readonly path: string;
  readonly source: "slack" | "web";
  /**
   * The stream folded up to the last `refresh()`: everything but the conversation itself, whose
   * messages are held only while the session is loaded — a run takes them from `history()`.
   */
  readonly state: SessionState;
  /** Whether the conversation is held (since a `history()`, until an `unload`). */
  readonly loaded: boolean;
  /** A read or a step is under way, or a run is going: it may be loading its conversation. */
  readonly busy: boolean;
  readonly writer: SessionWriter;
  /**
   * Slack message ts taken since the daemon started, before they show in the stream (a steered
   * message is recorded only once the agent reads it): with `state.takenTs`, what was taken.
   */
  readonly taken: Set<string>;
  /** The run going on, if any. */
  active: AgentRun | null;
  /** Reads what was appended since the last refresh (by anyone: the agent, the Slack edge). */
  refresh(): Promise<SessionState>;
  /**
   * The whole conversation, and from then on the session holds it (is loaded): folded from the
   * stream's start the first time, kept up to date by each `refresh()` after.
   */
  history(): Promise<AgentMessage[]>;
  /**
   * Runs `step` after every step queued before it: a session takes its messages one at a time
   * (so `app_mention` and `message` for one post, arriving together, count once).
   */
  serial<T>(step: () => Promise<T>): Promise<T>;
  /**
   * Drops the conversation (the rest of the state is small and stays), unless a read or a step
   * is under way or a run is going. A state handed out before keeps its messages (the session
   * goes on with a copy). True when it was loaded and no longer is.
   */
  unload(): boolean;
}

/**
 * The in-memory handle of a session. Its state is always a fold of its stream — the single
 * source of truth — so what a restarted daemon restores is exactly what a running one uses.
 *
 * @example
 * const session = createSession({ store, path: "web/ses_1", log });
 * const messages = await session.history(); // the whole conversation, loaded
 */
export function createSession(options: {
  store: StreamStore;
  path: string;
  log: (line: string) => void;
}): Session {
  const { store, path } = options;
  let state = emptySessionState();
  let end = 0;
  /** Whether `state.messages` holds the conversation: `history()` loads it, `unload` drops it. */
  let loaded = false;
  /** Reads and steps started and not yet settled: while any is, nothing is unloaded. */
  let pending = 0;
  // The queues' tails settle to nothing: holding the last result would keep a dropped state.
  let reads: Promise<unknown> = Promise.resolve();
  let queue: Promise<unknown> = Promise.resolve();
  const settle = () => {
    pending--;
  };
  /** Runs `read` after the reads before it (two from one offset would fold items twice). */
  function queued<T>(read: () => Promise<T>): Promise<T> {
    pending++;
    const run = reads.then(read);
    reads = run.then(settle, settle);
    return run;
  }
  return {
    path,
    source: path.startsWith("web/") ? "web" : "slack",
    get state() {
      return state;
    },
    get loaded() {
      return loaded;
    },
    get busy() {
      return pending > 0 || this.active !== null;
    },
    writer: createSessionWriter({ store, path, onError: options.log }),
    taken: new Set(),
    active: null,
    refresh() {
      // A caller must see everything appended before it asked.
      return queued(async () => {
        // Unloaded, the session is read for its small state only: a scan, not a reader to serve.
        const { items, end: next } = await readSessionItems(store, path, end, loaded);
        end = next;
        return applySessionItems(state, items, { keepMessages: loaded });
      });
    },
    history() {
      return queued(async () => {
        if (!loaded) {
          const { items, end: next } = await readSessionItems(store, path);
          state = applySessionItems(emptySessionState(), items);
          end = next;
          loaded = true;
        }
        return state.messages;
      });
    },
    serial(step) {
      pending++;
      const run = queue.then(step);
      queue = run.then(settle, settle);
      return run;
    },
    unload() {
      if (this.busy || !loaded) return false;
      state = { ...state, messages: [] };
      loaded = false;
      return true;
    },
  };
}
