import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { Hono } from "hono";
import { afterAll, beforeAll } from "vitest";
import { createAgentsApp } from "../../src/streams/agents-app.ts";
import { createMemoryStreamStore } from "../../src/streams/memory-store.ts";
import { serveApp } from "./serve-app.ts";

// The suite reads `baseUrl` lazily, so it can be filled in once the server listens.
const options = { baseUrl: "", longPollTimeoutMs: 500 };
let server: Awaited<ReturnType<typeof serveApp>>;
const store = createMemoryStreamStore();

beforeAll(async () => {
  const app = new Hono();
  app.route("/agents", createAgentsApp({ store, longPollTimeoutMs: options.longPollTimeoutMs }));
  server = await serveApp(app);
  options.baseUrl = `${server.url}/agents`;
});
afterAll(async () => {
  await server.close();
  await store.close();
});

runConformanceTests(options);
