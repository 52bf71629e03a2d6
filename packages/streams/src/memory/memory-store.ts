import { createStoreCore } from "../core/store-core.ts";
import type { StreamStore } from "../core/stream-store.ts";
import { createMemoryBackend } from "./memory-backend.ts";

/** Options of {@link createMemoryStreamStore}. */
export interface MemoryStreamStoreOptions {
  now?: () => number;
  sweepIntervalMs?: number;
}

/**
 * In-memory stream store for tests and benchmarks: same semantics as the file
 * store, nothing survives the process.
 *
 * @example
 * const store = createMemoryStreamStore();
 * const app = createAgentsApp({ store });
 */
export function createMemoryStreamStore(options: MemoryStreamStoreOptions = {}): StreamStore {
  // Every payload is in memory already: a cache in front would only copy references.
  return createStoreCore({ backend: createMemoryBackend(), cache: { maxBytes: 0 }, ...options });
}
