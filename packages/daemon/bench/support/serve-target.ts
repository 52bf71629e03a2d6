/**
 * One benchmark target in its own process (so client and server do not share
 * an event loop): prints `READY <url>` once listening, stops on SIGTERM.
 *
 * Usage: `node dist/bench/serve-target.mjs <kind> <dir>` (bench/streams.bench.ts bundles it as
 * build.mjs bundles the daemon) with kind one of
 * - `ours-signed`: `@iterate/streams` on the file store (fsync) behind the
 *   daemon's `platformAuth` with its persistent replay cache — the production
 *   path: the body is read once by the auth and handed to the streams app
 *   (`bodyReadByMiddleware`). Key from `BENCH_SECRET` / `BENCH_MACHINE_ID`.
 * - `ours-unsigned`: the same store and app with no auth in front.
 * - `ref-memory`, `ref-file`: the reference `@durable-streams/server@0.3.7`.
 */

import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type Http2Bindings, type HttpBindings, serve } from "@hono/node-server";
import { errorBody } from "@iterate/contract";
import { createAgentsApp, createFileStreamStore } from "@iterate/streams";
import { Hono } from "hono";
import { openPersistentReplayCache } from "../../src/auth/persistent-replay-cache.ts";
import { platformAuth } from "../../src/auth/platform-auth.ts";
import { daemonErrorHandler } from "../../src/error-handler.ts";

const [kind, dir] = process.argv.slice(2);
if (!kind || !dir) throw new Error("usage: serve-target.ts <kind> <dir>");
const LONG_POLL_MS = 20_000;

let stop: () => Promise<void>;
const signed = kind === "ours-signed";
if (signed || kind === "ours-unsigned") {
  const store = await createFileStreamStore({ dir: join(dir, "streams"), fsync: true });
  const stopping = new AbortController();
  // Composed as createDaemonApp composes the daemon: one onError, auth in front of /agents.
  const app = new Hono();
  app.onError(daemonErrorHandler());
  app.notFound((c) => c.json(errorBody("not_found", "no route"), 404));
  let replay: { close(): void } | undefined;
  if (signed) {
    const secret = process.env.BENCH_SECRET;
    const machineId = process.env.BENCH_MACHINE_ID;
    if (!secret || !machineId) throw new Error("BENCH_SECRET and BENCH_MACHINE_ID are required");
    const replayCache = await openPersistentReplayCache({ dir: join(dir, "replay") });
    replay = replayCache;
    app.use(platformAuth({ secret, machineId, replayCache }));
  }
  app.route(
    "/agents",
    createAgentsApp({
      store,
      longPollTimeoutMs: LONG_POLL_MS,
      shutdownSignal: stopping.signal,
      bodyReadByMiddleware: signed,
    }),
  );
  // As startDaemon serves it: every request counted until its response is done.
  let inFlight = 0;
  const server = serve({
    fetch: (request: Request, env: HttpBindings | Http2Bindings) => {
      inFlight++;
      env.outgoing.once("close", () => {
        inFlight--;
      });
      return app.fetch(request, env);
    },
    port: 0,
    hostname: "127.0.0.1",
  });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  console.log(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}/agents`);
  stop = async () => {
    stopping.abort();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (let waited = 0; inFlight > 0 && waited < 1000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if ("closeAllConnections" in server) server.closeAllConnections();
    await closed;
    await store.close();
    replay?.close();
  };
} else if (kind === "ref-memory" || kind === "ref-file") {
  // Loaded only here: it brings a native addon (lmdb) our servers must not carry in their RSS.
  const { DurableStreamTestServer } = await import("@durable-streams/server");
  const server = new DurableStreamTestServer({
    port: 0,
    host: "127.0.0.1",
    longPollTimeout: LONG_POLL_MS,
    dataDir: kind === "ref-file" ? dir : undefined,
  });
  console.log(`READY ${await server.start()}`);
  stop = () => server.stop();
} else {
  throw new Error(`unknown target ${kind}`);
}
process.once("SIGTERM", () => void stop().then(() => process.exit(0)));
