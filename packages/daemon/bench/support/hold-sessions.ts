/**
 * The baseline of bench/sessions-memory.bench.ts, in its own process: what the daemon held
 * before conversations were kept on demand — every session folded with its whole conversation
 * and kept. Prints `HELD <sessions> <ms>` once done and stays up until SIGTERM, so the bench
 * reads its RSS.
 *
 * Usage: `node dist/bench/hold-sessions.mjs <streams dir>` (the bench bundles it).
 */
import { createFileStreamStore } from "@iterate/streams";
import {
  applySessionItems,
  emptySessionState,
  type SessionState,
} from "../../src/agent/session/session-state.ts";
import { readSessionItems } from "../../src/agent/session/session-stream.ts";

const [dir] = process.argv.slice(2);
if (!dir) throw new Error("usage: hold-sessions.ts <streams dir>");
const started = performance.now();
const store = await createFileStreamStore({ dir });
const held: SessionState[] = [];
for (const info of store.list()) {
  if (!info.name.startsWith("web/")) continue;
  held.push(
    applySessionItems(emptySessionState(), (await readSessionItems(store, info.name)).items),
  );
}
console.log(`HELD ${held.length} ${Math.round(performance.now() - started)}`);
process.once("SIGTERM", () => void store.close().then(() => process.exit(0)));
setInterval(() => {}, 1 << 30);
