/**
 * `@iterate/streams` — the Durable Streams server (PROTOCOL.md of the
 * `@durable-streams/*` packages) as a Hono sub-app over a durable file store
 * or an in-memory one. Layers: `http/` (routes, SSE, requests and responses)
 * → `core/` (stream state, lifecycle, producers, forks, group commit, the
 * payload cache) ← `file/`, `memory/` (the stores). `protocol.ts` holds the
 * protocol's constants. Depends on Hono and Node only.
 *
 * @example
 * const store = await createFileStreamStore({ dir: join(home, ".iterate", "streams") });
 * app.route("/agents", createAgentsApp({ store, bodyReadByMiddleware: true }));
 */
export type { PayloadCacheOptions } from "./core/payload-cache.ts";
export { parseStreamName } from "./core/stream-names.ts";
export type {
  AppendInput,
  AppendResult,
  Cancellation,
  CreateInput,
  CreateResult,
  DeleteResult,
  FailureReason,
  ForkInput,
  InfoResult,
  ProducerTuple,
  ReadInput,
  ReadResult,
  StoreFailure,
  StreamInfo,
  StreamStore,
  WaitOptions,
  WaitOutcome,
} from "./core/stream-store.ts";
export { createFileStreamStore, type FileStreamStoreOptions } from "./file/file-store.ts";
export type { SegmentFs } from "./file/segment-fs.ts";
export { nodeSegmentFs } from "./file/segment-fs.ts";
export { type AgentsAppOptions, createAgentsApp } from "./http/agents-app.ts";
export { formatOffset, parseOffset } from "./http/offsets.ts";
export {
  createMemoryStreamStore,
  type MemoryStreamStoreOptions,
} from "./memory/memory-store.ts";
export * from "./protocol.ts";
