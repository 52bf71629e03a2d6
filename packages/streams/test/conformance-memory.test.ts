import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { afterAll, beforeAll } from "vitest";
import { createMemoryStreamStore } from "../src/index.ts";
import { agentsServer } from "./support/agents-server.ts";
import { serveApp } from "./support/serve-app.ts";

// The suite reads `baseUrl` lazily, so it can be filled in once the server listens.
const options = { baseUrl: "", longPollTimeoutMs: 500 };
let server: Awaited<ReturnType<typeof serveApp>>;
const store = createMemoryStreamStore();

beforeAll(async () => {
  server = await serveApp(agentsServer({ store, longPollTimeoutMs: options.longPollTimeoutMs }));
  options.baseUrl = `${server.url}/agents`;
});
afterAll(async () => {
  await server.close();
  await store.close();
});

runConformanceTests(options);
