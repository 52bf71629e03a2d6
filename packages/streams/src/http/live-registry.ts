import type { Cancellation } from "../core/stream-store.ts";

/** Cancellation reason when the server shuts down. */
export const SHUTDOWN = "shutdown";
/** Cancellation reason when the client went away. */
export const CLIENT_GONE = "client";

/** Subscribes to "the client disconnected"; returns an unsubscribe. */
export type WatchClient = (listener: () => void) => () => void;

/** A live request's cancellation: client gone, shutdown, or the handler finished. */
export interface LiveHandle extends Cancellation {
  /** Unregisters the request; its waits end with reason `done`. */
  close(): void;
}

/** Tracks long-polls and SSE connections so shutdown can end them promptly, and bounds them. */
export interface LiveRegistry {
  /** The live request's handle; null when `max` of them are open already (the caller refuses). */
  open(watchClient: WatchClient): LiveHandle | null;
  /** How many may be open at once. */
  readonly max: number;
  /** Cancels every live request with `SHUTDOWN` (and any opened later). */
  shutdown(): void;
}

/**
 * Plain listener lists instead of AbortController/EventTarget: one of these
 * per long-poll is on the latency path.
 *
 * @example
 * const live = createLiveRegistry({ max: 1024 });
 * const handle = live.open(watchClient); // null when full; else ... handle.close()
 */
export function createLiveRegistry(options: { max: number }): LiveRegistry {
  const active = new Set<Handle>();
  let stopped = false;

  class Handle implements LiveHandle {
    reason: string | undefined;
    private listeners: (() => void)[] = [];
    private unwatch: () => void = () => {};

    constructor(watchClient: WatchClient) {
      if (stopped) {
        this.reason = SHUTDOWN;
        return;
      }
      active.add(this);
      this.unwatch = watchClient(() => this.cancel(CLIENT_GONE));
    }

    cancel(reason: string): void {
      if (this.reason !== undefined) return;
      this.reason = reason;
      active.delete(this);
      this.unwatch();
      const listeners = this.listeners;
      this.listeners = [];
      for (const listener of listeners) listener();
    }

    onCancel(listener: () => void): () => void {
      if (this.reason !== undefined) {
        listener();
        return () => {};
      }
      this.listeners.push(listener);
      return () => {
        const index = this.listeners.indexOf(listener);
        if (index !== -1) this.listeners.splice(index, 1);
      };
    }

    close(): void {
      this.cancel("done");
    }
  }

  return {
    open: (watchClient) =>
      !stopped && active.size >= options.max ? null : new Handle(watchClient),
    max: options.max,
    shutdown() {
      stopped = true;
      for (const handle of [...active]) handle.cancel(SHUTDOWN);
    },
  };
}
