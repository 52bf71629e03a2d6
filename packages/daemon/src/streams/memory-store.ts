import type { LogBackend } from "./log-backend.ts";
import { createStoreCore } from "./store-core.ts";
import type { StreamStore } from "./stream-store.ts";

/**
 * A backend that keeps everything in memory: a batch is visible at once;
 * writers are answered one event-loop turn later, after the woken readers.
 */
function createMemoryBackend(): LogBackend {
  return {
    recover: async () => [],
    create: async () => {},
    write: async (_meta, _writes, published) => {
      published?.();
      await new Promise((resolve) => setImmediate(resolve));
    },
    readPayloads: async (_meta, records) => records.map((record) => record.data ?? Buffer.alloc(0)),
    updateMeta: async () => {},
    remove: async () => {},
    close: async () => {},
  };
}

/**
 * In-memory stream store for tests and benchmarks: same semantics as the file
 * store, nothing survives the process.
 *
 * @example
 * const store = createMemoryStreamStore();
 * const app = createAgentsApp({ store });
 */
export function createMemoryStreamStore(
  options: { now?: () => number; sweepIntervalMs?: number } = {},
): StreamStore {
  return createStoreCore({ backend: createMemoryBackend(), ...options });
}
