import type { StreamStore } from "../core/stream-store.ts";
import type { CursorGenerator } from "./cursor.ts";
import type { LiveRegistry } from "./live-registry.ts";

/** What every `/agents` route handler needs, resolved once per app. */
export interface RouteContext {
  store: StreamStore;
  longPollTimeoutMs: number;
  sseMaxDurationMs: number;
  maxAppendBytes: number;
  maxReadBytes: number;
  /** Request bodies were read by a middleware in front and are taken from Hono's body cache. */
  bodyReadByMiddleware: boolean;
  cursor: CursorGenerator;
  live: LiveRegistry;
}
