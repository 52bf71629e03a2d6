import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A fake's server once it listens on 127.0.0.1. */
export interface ListeningFake {
  port: number;
  /** Drops every open connection (keep-alive and streams alike) and stops listening. */
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 (`port`, default any free one); rejects if the port cannot be had.
 *
 * @example
 * const { port, close } = await listenLocal(createServer(handler));
 */
export async function listenLocal(server: Server, port = 0): Promise<ListeningFake> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Conditions a fake's tests wait on, checked again each time the fake is `wake`d. */
export interface FakeWaiters {
  /** Re-checks every pending condition: call it after recording what arrived. */
  wake(): void;
  /**
   * Resolves with `predicate`'s first value that is not undefined/false; rejects after
   * `timeoutMs` with `timeoutMessage()` (built then, so it can tell what did arrive).
   */
  until<T>(
    predicate: () => T | undefined | false,
    timeoutMs: number,
    timeoutMessage: () => string,
  ): Promise<T>;
}

/**
 * Waiting without fixed sleeps: a condition is checked at once and after every `wake`.
 *
 * @example
 * const waiters = createWaiters();
 * // in the handler: requests.push(r); waiters.wake();
 * waiters.until(() => requests.length >= 2 && requests.slice(0, 2), 15_000, () => "fewer than 2");
 */
export function createWaiters(): FakeWaiters {
  const checks = new Set<() => void>();
  return {
    wake() {
      for (const check of checks) check();
    },
    until(predicate, timeoutMs, timeoutMessage) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const value = predicate();
          if (value === undefined || value === false) return;
          cleanup();
          resolve(value);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(timeoutMessage()));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          checks.delete(check);
        };
        checks.add(check);
        check();
      });
    },
  };
}
