/**
 * Measures the memory a file store holds, in a fresh process (so nothing else
 * in a test run counts): prints one JSON line of figures in MB. Run with
 * `node --expose-gc --import tsx`:
 *
 * - `appends <dir> <count>`: one stream, a warm-up of 100 000 32-byte appends
 *   (1000 in flight at a time), then `count` more; RSS and live heap before the
 *   warm-up, after it and at the end. The warm-up lets V8 grow its young
 *   generation to the size any sustained load gets it to (8 → 32 MB on this
 *   Node) — the process's, not the store's — so "added" is what the appends keep.
 * - `write <dir> <streams> <mib>`: `streams` streams of `mib` MiB each, in 4 KiB appends.
 * - `reopen <dir>`: opens what `write` left and reads every stream once, to the
 *   end, by 1 MiB catch-up reads; RSS after opening and after reading.
 */
import v8 from "node:v8";
import { createFileStreamStore, type StreamStore } from "../../src/index.ts";

const [scenario, dir, a, b] = process.argv.slice(2);
if (!scenario || !dir) throw new Error("usage: memory-probe.ts <appends|write|reopen> <dir> …");
const TEXT = "text/plain";
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

function settle(): { rss: number; heap: number; young: number } {
  for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  const young = v8.getHeapSpaceStatistics().find((space) => space.space_name === "new_space");
  return {
    rss: mb(usage.rss),
    heap: mb(usage.heapUsed + usage.external + usage.arrayBuffers),
    young: mb(young?.space_size ?? 0),
  };
}

async function appendMany(store: StreamStore, name: string, count: number, body: Buffer) {
  const WINDOW = Number(process.env.PROBE_WINDOW ?? 1000);
  for (let done = 0; done < count; done += WINDOW) {
    const results = await Promise.all(
      Array.from({ length: Math.min(WINDOW, count - done) }, () =>
        store.append(name, { contentType: TEXT, body, close: false }),
      ),
    );
    if (!results.every((result) => result.ok)) throw new Error("an append failed");
  }
}

if (scenario === "appends") {
  const count = Number(a ?? 1_000_000);
  const store = await createFileStreamStore({ dir });
  await store.create("one", { contentType: TEXT, closed: false, body: Buffer.alloc(0) });
  const body = Buffer.alloc(32, 120);
  const cold = settle();
  await appendMany(store, "one", 100_000, body);
  const warm = settle();
  const started = performance.now();
  await appendMany(store, "one", count, body);
  const seconds = (performance.now() - started) / 1000;
  const after = settle();
  const head = store.head("one");
  await store.close();
  const round = (value: number) => Math.round(value * 10) / 10;
  console.log(
    JSON.stringify({
      appends: count,
      tail: head.ok ? head.info.tail : -1,
      seconds: round(seconds),
      rssCold: cold.rss,
      rssWarm: warm.rss,
      rssAfter: after.rss,
      rssAdded: round(after.rss - warm.rss),
      heapAdded: round(after.heap - warm.heap),
      youngGeneration: [cold.young, warm.young, after.young],
    }),
  );
} else if (scenario === "write") {
  const streams = Number(a ?? 1000);
  const bytes = Number(b ?? 1) * 1024 * 1024;
  const chunk = Buffer.alloc(4096, 121);
  const store = await createFileStreamStore({ dir });
  for (let s = 0; s < streams; s++) {
    const name = `sessions/${s}`;
    await store.create(name, { contentType: TEXT, closed: false, body: Buffer.alloc(0) });
    await appendMany(store, name, bytes / chunk.length, chunk);
  }
  await store.close();
  console.log(JSON.stringify({ streams, mib: bytes / 1024 / 1024 }));
} else if (scenario === "reopen") {
  const started = performance.now();
  const store = await createFileStreamStore({ dir });
  const opened = settle();
  const openSeconds = (performance.now() - started) / 1000;
  let read = 0;
  let peak = 0;
  for (const info of store.list()) {
    let from = 0;
    for (;;) {
      const result = await store.read(info.name, { from, maxBytes: 1024 * 1024 });
      if (!result.ok) throw new Error(`read ${info.name}: ${result.reason}`);
      for (const chunk of result.chunks) read += chunk.length;
      from = result.end;
      if (result.upToDate) break;
    }
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const after = settle();
  await store.close();
  console.log(
    JSON.stringify({
      streams: store.list().length,
      readMiB: mb(read),
      openSeconds: Math.round(openSeconds * 10) / 10,
      rssOpened: opened.rss,
      rssPeak: mb(peak),
      rssAfterReads: after.rss,
    }),
  );
} else {
  throw new Error(`unknown scenario ${scenario}`);
}
