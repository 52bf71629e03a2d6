import {
  mkdir,
  mkdtemp,
  open as openFile,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  createFileStreamStore,
  type FileStreamStoreOptions,
  type StreamStore,
} from "../src/index.ts";
import { faultyFs } from "./support/faulty-fs.ts";

const open: StreamStore[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "file-store-"));
  dirs.push(dir);
  return dir;
}

async function openStore(
  dir: string,
  options: Partial<FileStreamStoreOptions> = {},
): Promise<StreamStore> {
  const store = await createFileStreamStore({ dir, log: () => {}, ...options });
  open.push(store);
  return store;
}

async function reopen(
  store: StreamStore,
  dir: string,
  options: Partial<FileStreamStoreOptions> = {},
) {
  await store.close();
  open.splice(open.indexOf(store), 1);
  return openStore(dir, options);
}

const text = (s: string) => Buffer.from(s);
const EMPTY = Buffer.alloc(0);

async function readAll(store: StreamStore, name: string): Promise<string> {
  let from = 0;
  let out = "";
  for (;;) {
    const result = await store.read(name, { from, maxBytes: 64 });
    if (!result.ok) throw new Error(result.reason);
    out += Buffer.concat(result.chunks).toString();
    from = result.end;
    if (result.upToDate) return out;
  }
}

describe("file stream store", () => {
  it("reopens with data, closure, producer state, Stream-Seq and configuration intact", async () => {
    const dir = await tempRoot();
    let store = await openStore(dir);
    await store.create("a/b", {
      contentType: "text/plain; charset=utf-8",
      ttlSeconds: 3600,
      closed: false,
      body: text("x"),
    });
    const producer = { id: "p", epoch: 2, seq: 0 };
    expect(
      await store.append("a/b", {
        contentType: "text/plain",
        body: text("y"),
        close: false,
        producer,
        streamSeq: "007",
      }),
    ).toMatchObject({ ok: true });
    expect(await store.append("a/b", { body: EMPTY, close: true })).toMatchObject({
      ok: true,
      closed: true,
    });

    store = await reopen(store, dir);
    expect(store.head("a/b")).toMatchObject({
      ok: true,
      info: { contentType: "text/plain; charset=utf-8", ttlSeconds: 3600, closed: true, tail: 2 },
    });
    expect(await readAll(store, "a/b")).toBe("xy");
    expect(
      await store.append("a/b", {
        contentType: "text/plain",
        body: text("y"),
        close: false,
        producer,
      }),
    ).toMatchObject({ ok: true, duplicate: true });
    expect(
      await store.append("a/b", {
        contentType: "text/plain",
        body: text("z"),
        close: false,
        producer: { ...producer, epoch: 1 },
      }),
    ).toMatchObject({ reason: "stale_epoch", currentEpoch: 2 });
    expect(
      await store.create("a/b", {
        contentType: "text/plain",
        ttlSeconds: 3600,
        closed: false,
        body: EMPTY,
      }),
    ).toMatchObject({ ok: true, created: false });
  });

  it("rolls segments, indexes sealed ones, and reads evicted payloads back from disk after a restart", async () => {
    const dir = await tempRoot();
    const options = { segmentBytes: 1024, cacheBytesPerStream: 256 };
    let store = await openStore(dir, options);
    await store.create("s", { contentType: "text/plain", closed: false, body: EMPTY });
    let expected = "";
    for (let i = 0; i < 200; i++) {
      const line = `line ${i};`;
      expected += line;
      expect(
        await store.append("s", {
          contentType: "text/plain",
          body: text(line),
          close: false,
          streamSeq: String(i).padStart(4, "0"),
        }),
      ).toMatchObject({ ok: true });
    }
    expect(await readAll(store, "s")).toBe(expected);

    const [id] = (await readdir(dir)).filter((name) => !name.startsWith("."));
    const files = await readdir(join(dir, id as string));
    expect(files.filter((f) => f.endsWith(".seg")).length).toBeGreaterThan(2);
    await expect
      .poll(
        async () =>
          (await readdir(join(dir, id as string))).filter((f) => f.endsWith(".idx")).length,
      )
      .toBeGreaterThan(1);

    store = await reopen(store, dir, options);
    expect(await readAll(store, "s")).toBe(expected);
    // Stream-Seq state came back through the sealed segments' indexes.
    expect(
      await store.append("s", {
        contentType: "text/plain",
        body: text("no"),
        close: false,
        streamSeq: "0150",
      }),
    ).toMatchObject({ reason: "seq_conflict" });

    // Without an index (or with one of the older per-record format) a sealed
    // segment is scanned, and its index written anew.
    await rm(join(dir, id as string, "00000001.idx"));
    await writeFile(join(dir, id as string, "00000002.idx"), Buffer.from("DSI1-old-format"));
    store = await reopen(store, dir, options);
    expect(await readAll(store, "s")).toBe(expected);
    const rewritten = await readFile(join(dir, id as string, "00000002.idx"));
    expect(rewritten.subarray(0, 4).toString("latin1")).toBe("DSI2");
    await expect(stat(join(dir, id as string, "00000001.idx"))).resolves.toBeTruthy();
  });

  it("truncates a torn last record at startup and appends after it", async () => {
    const dir = await tempRoot();
    let store = await openStore(dir);
    await store.create("t", { contentType: "text/plain", closed: false, body: text("intact") });
    await store.close();
    const [id] = (await readdir(dir)).filter((name) => !name.startsWith("."));
    const segment = join(dir, id as string, "00000001.seg");
    const bytes = await readFile(segment);
    let size = bytes.length;
    while (size > 0 && bytes[size - 1] === 0) size--;
    const handle = await openFile(segment, "r+");
    await handle.write(Buffer.from([40, 0, 0, 0, 1, 2, 3, 4, 1, 7, 7, 7]), 0, 12, size);
    await handle.close();

    const logged: string[] = [];
    store = await createFileStreamStore({ dir, log: (line) => logged.push(line) });
    open.push(store);
    expect(logged.join("\n")).toMatch(/torn last record/);
    expect((await stat(segment)).size).toBe(size);
    await store.append("t", { contentType: "text/plain", body: text("+more"), close: false });
    store = await reopen(store, dir);
    expect(await readAll(store, "t")).toBe("intact+more");
  });

  it("keeps deletes, soft deletes and forks across restarts, and collects a soft-deleted source with its last fork", async () => {
    const dir = await tempRoot();
    let store = await openStore(dir);
    await store.create("gone", { contentType: "text/plain", closed: false, body: text("bye") });
    await store.create("src", { contentType: "text/plain", closed: false, body: text("abc") });
    await store.create("fork", { closed: false, body: text("d"), fork: { from: "src" } });
    expect(await store.delete("gone")).toEqual({ ok: true });
    expect(await store.delete("src")).toEqual({ ok: true });

    store = await reopen(store, dir);
    expect(store.head("gone")).toMatchObject({ reason: "not_found" });
    expect(store.head("src")).toMatchObject({ reason: "gone" });
    expect(
      await store.create("src", { contentType: "text/plain", closed: false, body: EMPTY }),
    ).toMatchObject({ reason: "path_in_use" });
    expect(await readAll(store, "fork")).toBe("abcd");

    expect(await store.delete("fork")).toEqual({ ok: true });
    store = await reopen(store, dir);
    expect(store.head("src")).toMatchObject({ reason: "not_found" });
    expect((await readdir(dir)).filter((name) => !name.startsWith("."))).toEqual([]);
  });

  it("forks a source whose older payloads were evicted from memory, reading them from disk", async () => {
    const dir = await tempRoot();
    const options = { segmentBytes: 512, cacheBytesPerStream: 64 };
    let store = await openStore(dir, options);
    await store.create("src", { contentType: "text/plain", closed: false, body: EMPTY });
    let expected = "";
    for (let i = 0; i < 50; i++) {
      expected += `<${i}>`;
      await store.append("src", { contentType: "text/plain", body: text(`<${i}>`), close: false });
    }
    const head = store.head("src");
    const offset = head.ok ? head.info.tail : 0;
    expect(
      await store.create("fork", { closed: false, body: text("+"), fork: { from: "src", offset } }),
    ).toMatchObject({ ok: true, created: true });
    store = await reopen(store, dir, options);
    expect(await readAll(store, "fork")).toBe(`${expected}+`);
  });

  it.each([
    ["durable", false],
    ["written", true],
  ] as const)(
    "in `%s` visibility mode, a batch whose fdatasync is pending is shown to readers early: %s; once fsynced it is, with the same results",
    async (visibility, shownEarly) => {
      const dir = await tempRoot();
      const faulty = faultyFs();
      const store = await openStore(dir, { visibility, segmentFs: faulty.fs });
      await store.create("d", { contentType: "text/plain", closed: false, body: EMPTY });
      let woken = false;
      const waiting = store.waitForData("d", 0, { timeoutMs: 5000 }).then((outcome) => {
        woken = true;
        return outcome;
      });
      faulty.hold();
      const append = store.append("d", {
        contentType: "text/plain",
        body: text("sure"),
        close: false,
      });
      const release = await faulty.held();
      try {
        await new Promise((resolve) => setTimeout(resolve, 30));
        expect(woken).toBe(shownEarly);
        expect(await readAll(store, "d")).toBe(shownEarly ? "sure" : "");
        expect(store.head("d")).toMatchObject({ ok: true, info: { tail: shownEarly ? 4 : 0 } });
      } finally {
        release(); // also when an expectation failed, so the store can close
      }
      expect(await append).toMatchObject({ ok: true, tail: 4 });
      expect(await waiting).toBe("data");
      expect(await readAll(store, "d")).toBe("sure");
    },
  );

  it("discards creates that never finished (a crash before the atomic rename)", async () => {
    const dir = await tempRoot();
    await mkdir(join(dir, ".creating-half"), { recursive: true });
    await writeFile(join(dir, ".creating-half", "meta.json"), "{}");
    const store = await openStore(dir);
    expect(store.list()).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("keeps a stream's sliding TTL window across a restart instead of starting it again", async () => {
    const dir = await tempRoot();
    let clock = Date.now();
    const now = () => clock;
    let store = await openStore(dir, { now });
    await store.create("idle", {
      contentType: "text/plain",
      ttlSeconds: 10,
      closed: false,
      body: EMPTY,
    });
    await store.create("used", {
      contentType: "text/plain",
      ttlSeconds: 10,
      closed: false,
      body: EMPTY,
    });
    clock += 8000;
    expect(await store.read("used", { from: 0, maxBytes: 64 })).toMatchObject({ ok: true });

    clock += 4000; // 12 s after creation, 4 s after "used" was read
    store = await reopen(store, dir, { now });
    expect(store.head("idle")).toMatchObject({ reason: "not_found" });
    expect(store.head("used")).toMatchObject({ ok: true });

    clock += 7000; // 11 s after the last read
    store = await reopen(store, dir, { now });
    expect(store.head("used")).toMatchObject({ reason: "not_found" });
  });
});
