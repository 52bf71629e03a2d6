import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { afterAll, beforeAll } from "vitest";
import { createFileStreamStore, type StreamStore } from "../src/index.ts";
import { agentsServer } from "./support/agents-server.ts";
import { serveApp } from "./support/serve-app.ts";

// The suite reads `baseUrl` lazily, so it can be filled in once the server listens.
const options = { baseUrl: "", longPollTimeoutMs: 500 };
let server: Awaited<ReturnType<typeof serveApp>>;
let store: StreamStore;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "streams-conformance-"));
  // Small segments, checkpoints and caches so the suite also exercises rolling,
  // sparse-index scans and reads of evicted payloads from disk.
  store = await createFileStreamStore({
    dir,
    segmentBytes: 64 * 1024,
    indexIntervalBytes: 1024,
    cacheBytes: 256 * 1024,
    cacheBytesPerStream: 16 * 1024,
  });
  server = await serveApp(agentsServer({ store, longPollTimeoutMs: options.longPollTimeoutMs }));
  options.baseUrl = `${server.url}/agents`;
});
afterAll(async () => {
  await server.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

runConformanceTests(options);
