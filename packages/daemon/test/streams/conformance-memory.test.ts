import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { afterAll, beforeAll } from "vitest";
import { createDaemonApp } from "../../src/app.ts";
import { createMemoryStreamStore } from "../../src/streams/memory-store.ts";
import { serveApp } from "./support/serve-app.ts";

// The suite reads `baseUrl` lazily, so it can be filled in once the server listens.
const options = { baseUrl: "", longPollTimeoutMs: 500 };
let server: Awaited<ReturnType<typeof serveApp>>;
const store = createMemoryStreamStore();

beforeAll(async () => {
  // The daemon's own app; no `auth`, because the suite cannot sign requests.
  const app = createDaemonApp({ agents: { store, longPollTimeoutMs: options.longPollTimeoutMs } });
  server = await serveApp(app);
  options.baseUrl = `${server.url}/agents`;
});
afterAll(async () => {
  await server.close();
  await store.close();
});

runConformanceTests(options);
