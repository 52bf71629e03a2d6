import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { afterAll, beforeAll } from "vitest";
import { createDaemonApp } from "../../src/app.ts";
import { createFileStreamStore } from "../../src/streams/file-store.ts";
import type { StreamStore } from "../../src/streams/stream-store.ts";
import { serveApp } from "./support/serve-app.ts";

// The suite reads `baseUrl` lazily, so it can be filled in once the server listens.
const options = { baseUrl: "", longPollTimeoutMs: 500 };
let server: Awaited<ReturnType<typeof serveApp>>;
let store: StreamStore;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "streams-conformance-"));
  // Small segments so the suite also exercises rolling and sealed-segment reads.
  store = await createFileStreamStore({
    dir,
    segmentBytes: 64 * 1024,
    cacheBytesPerStream: 16 * 1024,
  });
  // The daemon's own app; no `auth`, because the suite cannot sign requests.
  const app = createDaemonApp({ agents: { store, longPollTimeoutMs: options.longPollTimeoutMs } });
  server = await serveApp(app);
  options.baseUrl = `${server.url}/agents`;
});
afterAll(async () => {
  await server.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

runConformanceTests(options);
