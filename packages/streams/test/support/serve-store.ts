/**
 * A streams server in its own process, for durability tests that kill it:
 * the file store under `<dir>` mounted at `/agents`, on 127.0.0.1. Prints
 * `READY <url>` once listening; on SIGTERM it shuts down as the daemon does
 * (parked long-polls answered, SSE streams given a last control event,
 * in-flight appends acknowledged, store closed).
 *
 * Usage: `node --import tsx test/support/serve-store.ts <dir> [longPollMs]`
 */
import type { AddressInfo } from "node:net";
import { type Http2Bindings, type HttpBindings, serve } from "@hono/node-server";
import { createFileStreamStore } from "../../src/index.ts";
import { agentsServer } from "./agents-server.ts";

const [dir, longPoll] = process.argv.slice(2);
if (!dir) throw new Error("usage: serve-store.ts <dir> [longPollMs]");
const store = await createFileStreamStore({ dir });
const stopping = new AbortController();
const app = agentsServer({
  store,
  longPollTimeoutMs: Number(longPoll ?? 1000),
  shutdownSignal: stopping.signal,
});
let inFlight = 0;
let drained: (() => void) | null = null;
const server = serve({
  fetch: (request: Request, env: HttpBindings | Http2Bindings) => {
    inFlight++;
    env.outgoing.once("close", () => {
      if (--inFlight === 0) drained?.();
    });
    return app.fetch(request, env);
  },
  port: 0,
  hostname: "127.0.0.1",
});
server.once("listening", () => {
  console.log(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.once("SIGTERM", async () => {
  stopping.abort();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
  if ("closeAllConnections" in server) server.closeAllConnections();
  await closed;
  await store.close();
  process.exit(0);
});
