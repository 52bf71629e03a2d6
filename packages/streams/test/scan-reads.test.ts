import { mkdtemp, readdir, rm, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFileStreamStore, type StreamStore } from "../src/index.ts";

// A scan (`read(…, { cache: false })`, e.g. a daemon folding every session at start) reads from
// disk without adding what it read to the payload cache, which stays with the streams being
// tailed. Seen here from outside: after a reopen (cache empty) the stream's segment is cut on
// disk, so only a read the cache can answer still returns the data.

const open: StreamStore[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A reopened store (nothing cached) holding stream `s` = "hello", and a way to cut it on disk. */
async function reopenedWithHello() {
  const dir = await mkdtemp(join(tmpdir(), "scan-reads-"));
  dirs.push(dir);
  const first = await createFileStreamStore({ dir, log: () => {} });
  await first.create("s", { contentType: "text/plain", closed: false, body: new Uint8Array(0) });
  await first.append("s", { contentType: "text/plain", body: Buffer.from("hello"), close: false });
  await first.close();
  const store = await createFileStreamStore({ dir, log: () => {} });
  open.push(store);
  const [id] = (await readdir(dir)).filter((name) => !name.startsWith("."));
  const segments = (await readdir(join(dir, id as string))).filter((f) => f.endsWith(".seg"));
  const cutOnDisk = () => Promise.all(segments.map((f) => truncate(join(dir, id as string, f), 0)));
  return { store, cutOnDisk };
}

const text = (read: Awaited<ReturnType<StreamStore["read"]>>) =>
  read.ok ? Buffer.concat(read.chunks).toString() : read.reason;

describe("scan reads", () => {
  it("a plain read is cached: after the segment is cut on disk it is still answered", async () => {
    const { store, cutOnDisk } = await reopenedWithHello();
    expect(text(await store.read("s", { from: 0, maxBytes: 1 << 20 }))).toBe("hello");
    await cutOnDisk();
    expect(text(await store.read("s", { from: 0, maxBytes: 1 << 20 }))).toBe("hello");
  });

  it("a scan (cache: false) is not: the next read goes to disk again", async () => {
    const { store, cutOnDisk } = await reopenedWithHello();
    expect(text(await store.read("s", { from: 0, maxBytes: 1 << 20, cache: false }))).toBe("hello");
    await cutOnDisk();
    // Nothing left on disk to give, and nothing cached.
    expect(text(await store.read("s", { from: 0, maxBytes: 1 << 20 }))).toBe("");
  });
});
