import { createSession, type Session } from "./session.ts";
import type { StreamStore } from "./streams.ts";

/** Default of `maxLoadedBytes`: bytes of session streams whose conversations are held. */
const DEFAULT_MAX_LOADED_SESSION_BYTES = 64 * 1024 * 1024;
/** At most this many sessions hold their conversation, whatever their size. */
const MAX_LOADED_SESSIONS = 256;

/**
 * The machine's session handles, one per stream path for as long as the daemon runs, and which
 * of them hold their conversation: a machine keeps thousands of sessions for months, and a run
 * loads its own (`Session.history()`). Beyond {@link MAX_LOADED_SESSIONS} sessions or
 * `maxLoadedBytes` of their streams the least recently used idle ones drop theirs; a session at
 * work (a read, a step or a run under way) keeps it.
 *
 * @example
 * const registry = createSessionRegistry({ store, log });
 * const session = registry.sessionFor("web/ses_1"); // now the most recently used
 */
export function createSessionRegistry(options: {
  store: StreamStore;
  log: (line: string) => void;
  maxLoadedBytes?: number;
}) {
  const maxLoadedBytes = options.maxLoadedBytes ?? DEFAULT_MAX_LOADED_SESSION_BYTES;
  const sessions = new Map<string, Session>();
  /** Sessions that may hold their conversation, least recently used first. */
  const recent = new Map<string, Session>();

  // A stream's tail, not what was folded so far: a run's own items are folded only later.
  const weight = (path: string) => {
    const head = options.store.head(path);
    return head.ok ? head.info.tail : 0;
  };

  function unloadLeastRecent() {
    let bytes = 0;
    for (const [path, session] of recent) {
      if (session.loaded) bytes += weight(path);
      // Neither holding a conversation nor at work (so not loading one): nothing to track.
      else if (!session.busy) recent.delete(path);
    }
    for (const [path, session] of recent) {
      if (recent.size <= MAX_LOADED_SESSIONS && bytes <= maxLoadedBytes) return;
      const held = weight(path);
      if (session.unload()) {
        recent.delete(path);
        bytes -= held;
      }
    }
  }

  return {
    /** Every handle so far, by path (the closer stops their runs). */
    sessions: sessions as ReadonlyMap<string, Session>,
    /** The session of `path`, now the most recently used. */
    sessionFor(path: string): Session {
      let session = sessions.get(path);
      if (!session) {
        session = createSession({ store: options.store, path, log: options.log });
        sessions.set(path, session);
      }
      recent.delete(path);
      unloadLeastRecent();
      recent.set(path, session);
      return session;
    },
  };
}
