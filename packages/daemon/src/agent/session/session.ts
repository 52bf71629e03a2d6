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
  /** The stream folded up to the last `refresh()`. */
  readonly state: SessionState;
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
   * Runs `step` after every step queued before it: a session takes its messages one at a time
   * (so `app_mention` and `message` for one post, arriving together, count once).
   */
  serial<T>(step: () => Promise<T>): Promise<T>;
}

/**
 * The in-memory handle of a session. Its state is always a fold of its stream — the single
 * source of truth — so what a restarted daemon restores is exactly what a running one uses.
 *
 * @example
 * const session = createSession({ store, path: "web/ses_1", log });
 * const { messages } = await session.refresh();
 */
export function createSession(options: {
  store: StreamStore;
  path: string;
  log: (line: string) => void;
}): Session {
  const { store, path } = options;
  const state = emptySessionState();
  let end = 0;
  let reads: Promise<SessionState> = Promise.resolve(state);
  let queue: Promise<unknown> = Promise.resolve();
  return {
    path,
    source: path.startsWith("web/") ? "web" : "slack",
    state,
    writer: createSessionWriter({ store, path, onError: options.log }),
    taken: new Set(),
    active: null,
    refresh() {
      // Reads queue up: two overlapping reads from one offset would fold items twice, and a
      // caller must see everything appended before it asked.
      const read = reads.then(async () => {
        const { items, end: next } = await readSessionItems(store, path, end);
        end = next;
        return applySessionItems(state, items);
      });
      reads = read.catch(() => state);
      return read;
    },
    serial(step) {
      const run = queue.then(step);
      queue = run.catch(() => {});
      return run;
    },
  };
}
