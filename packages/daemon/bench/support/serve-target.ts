/**
 * One benchmark target in its own process (so client and server do not share
 * an event loop): prints `READY <url>` once listening, stops on SIGTERM.
 *
 * Usage: `tsx bench/support/serve-target.ts <ours-file|ours-memory|ref-memory|ref-file> <dir>`
 */
import { DurableStreamTestServer } from "@durable-streams/server";
import { startDaemon } from "../../src/server.ts";
import { createMemoryStreamStore } from "../../src/streams/memory-store.ts";

const [kind, dir] = process.argv.slice(2);
if (!kind || !dir) throw new Error("usage: serve-target.ts <kind> <dir>");
const LONG_POLL_MS = 20_000;

let stop: () => Promise<void>;
if (kind === "ours-file" || kind === "ours-memory") {
  const daemon = await startDaemon({
    home: dir,
    port: 0,
    hostname: "127.0.0.1",
    longPollTimeoutMs: LONG_POLL_MS,
    store: kind === "ours-memory" ? createMemoryStreamStore() : undefined,
    fsync: true,
  });
  console.log(`READY ${daemon.url}/agents`);
  stop = () => daemon.shutdown({ graceMs: 1000 });
} else if (kind === "ref-memory" || kind === "ref-file") {
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
