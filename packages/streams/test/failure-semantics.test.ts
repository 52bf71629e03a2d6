import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  createFileStreamStore,
  type FileStreamStoreOptions,
  type StreamStore,
} from "../src/index.ts";
import { agentsServer } from "./support/agents-server.ts";
import { faultyFs, fsError } from "./support/faulty-fs.ts";
import { serveApp } from "./support/serve-app.ts";
import { type StreamClient, streamClient } from "./support/stream-client.ts";

const TEXT = { "content-type": "text/plain" };
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "streams-failures-"));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A file store behind a real HTTP server; `reopen` restarts both on the same directory. */
async function serve(dir: string, options: Partial<FileStreamStoreOptions> = {}) {
  let store: StreamStore;
  let server: Awaited<ReturnType<typeof serveApp>>;
  const start = async (extra: Partial<FileStreamStoreOptions>) => {
    store = await createFileStreamStore({ dir, log: () => {}, ...options, ...extra });
    server = await serveApp(agentsServer({ store, longPollTimeoutMs: 2000 }));
  };
  await start({});
  const stop = async () => {
    await server.close();
    await store.close();
  };
  cleanup.push(() => stop());
  const client: StreamClient = streamClient(() => `${server.url}/agents`);
  return {
    client,
    async reopen(extra: Partial<FileStreamStoreOptions> = {}) {
      await stop();
      await start(extra);
    },
  };
}

const producer = (seq: number) => ({
  ...TEXT,
  "Producer-Id": "p",
  "Producer-Epoch": "0",
  "Producer-Seq": String(seq),
});

describe("a failed write (injected file-system failures)", () => {
  it("fails only the appends it hit on EMFILE, and the stream takes the next one (transient)", async () => {
    const faulty = faultyFs();
    const { client, reopen } = await serve(await tempDir(), { segmentFs: faulty.fs });
    await client.send("PUT", "/s", { headers: TEXT, body: "a" });
    await reopen({ segmentFs: faulty.fs }); // the writer's descriptor is opened on the next append
    faulty.fail("open", "EMFILE");
    expect((await client.send("POST", "/s", { headers: TEXT, body: "b" })).status).toBe(500);
    expect((await client.send("POST", "/s", { headers: TEXT, body: "c" })).status).toBe(204);
    expect((await client.send("GET", "/s?offset=-1")).text).toBe("ac");
  });

  it("on ENOSPC in write(2) shows readers nothing, and after a restart holds only what was acknowledged", async () => {
    const faulty = faultyFs();
    const dir = await tempDir();
    const { client, reopen } = await serve(dir, { segmentFs: faulty.fs });
    await client.send("PUT", "/s", { headers: TEXT, body: "a" });
    faulty.fail("write", "ENOSPC");
    expect((await client.send("POST", "/s", { headers: TEXT, body: "lost" })).status).toBe(500);
    expect((await client.send("GET", "/s?offset=-1")).text).toBe("a");
    expect((await client.send("POST", "/s", { headers: TEXT, body: "b" })).status).toBe(204);
    await reopen();
    expect((await client.send("GET", "/s?offset=-1")).text).toBe("ab");
  });

  it.each(["written", "durable"] as const)(
    "acknowledges a producer's retry only after its original succeeded: a retry during a failing fdatasync is written anew (200), not a duplicate (%s visibility)",
    async (visibility) => {
      const faulty = faultyFs();
      const dir = await tempDir();
      const { client, reopen } = await serve(dir, { segmentFs: faulty.fs, visibility });
      await client.send("PUT", "/p", { headers: TEXT });
      faulty.hold();
      const original = client.send("POST", "/p", { headers: producer(0), body: "x" });
      const release = await faulty.held();
      const retry = client.send("POST", "/p", { headers: producer(0), body: "x" });
      await new Promise((resolve) => setTimeout(resolve, 20)); // the retry is parked behind the original
      release(fsError("EIO"));
      expect((await original).status).toBe(500);
      expect((await retry).status).toBe(200);
      expect((await client.send("POST", "/p", { headers: producer(0), body: "x" })).status).toBe(
        204,
      );
      await reopen();
      expect((await client.send("GET", "/p?offset=-1")).text).toBe("x");
      expect((await client.send("POST", "/p", { headers: producer(0), body: "x" })).status).toBe(
        204,
      );
    },
  );

  it("a duplicate's answer names the highest durable Producer-Seq, not one still in its fdatasync", async () => {
    const faulty = faultyFs();
    const dir = await tempDir();
    const { client } = await serve(dir, { segmentFs: faulty.fs });
    await client.send("PUT", "/q", { headers: TEXT });
    // A producer's new write answers 200; a duplicate of a durable one 204.
    const first = await client.send("POST", "/q", { headers: producer(0), body: "a" });
    expect(first.status).toBe(200);
    faulty.hold();
    const next = client.send("POST", "/q", { headers: producer(1), body: "b" });
    const release = await faulty.held();
    const retry = await client.send("POST", "/q", { headers: producer(0), body: "a" });
    expect(retry.status).toBe(204);
    expect(retry.headers.get("producer-seq")).toBe("0");
    release();
    expect((await next).status).toBe(200);
  });

  it("withdraws a batch readers saw before its fdatasync failed: their offset answers 409 with where to resume, also after a restart", async () => {
    const faulty = faultyFs();
    const dir = await tempDir();
    const { client, reopen } = await serve(dir, { segmentFs: faulty.fs });
    const put = await client.send("PUT", "/w", { headers: TEXT, body: "kept;" });
    const before = put.headers.get("stream-next-offset") as string;

    faulty.hold();
    const poll = client.send("GET", `/w?offset=${before}&live=long-poll`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const append = client.send("POST", "/w", { headers: TEXT, body: "doomed;" });
    const release = await faulty.held();
    // Visible once written to the kernel: the long-poll got it before the fsync failed.
    const seen = await poll;
    expect(seen.text).toBe("doomed;");
    const seenOffset = seen.headers.get("stream-next-offset") as string;
    release(fsError("EIO"));
    expect((await append).status).toBe(500);

    const told = await client.send("GET", `/w?offset=${seenOffset}`);
    expect(told.status).toBe(409);
    expect(told.headers.get("stream-next-offset")).toBe(before);
    expect(JSON.parse(told.text).error.message).toMatch(/withdrawn/);
    expect((await client.send("GET", "/w?offset=-1")).text).toBe("kept;");

    // The stream goes on at once; the withdrawn positions are never reused.
    const next = await client.send("POST", "/w", { headers: TEXT, body: "next;" });
    expect(next.status).toBe(204);
    expect((next.headers.get("stream-next-offset") as string) > seenOffset).toBe(true);
    const resumed = await client.send("GET", `/w?offset=${before}`);
    expect(resumed.text).toBe("next;");

    await reopen();
    expect((await client.send("GET", "/w?offset=-1")).text).toBe("kept;next;");
    expect((await client.send("GET", `/w?offset=${seenOffset}`)).status).toBe(409);
    expect((await client.send("GET", `/w?offset=${before}`)).text).toBe("next;");
  });

  it("takes a failed batch back before the next write even when truncating it failed at first", async () => {
    const faulty = faultyFs();
    const dir = await tempDir();
    const options = { dir, log: () => {}, visibility: "durable" as const, preallocateBytes: 0 };
    let store = await createFileStreamStore({ ...options, segmentFs: faulty.fs });
    const append = (body: string) =>
      store.append("r", { contentType: "text/plain", body: Buffer.from(body), close: false });
    await store.create("r", { contentType: "text/plain", closed: false, body: Buffer.from("a") });
    faulty.fail("datasync", "EIO");
    faulty.fail("truncate", "EIO");
    // One batch of two records; the next append is as long as the first, so
    // without the repair the second would survive intact behind it on disk.
    const failed = await Promise.all([append("xx"), append("yy")]);
    expect(failed.map((result) => result.ok)).toEqual([false, false]);
    expect(await append("bb")).toMatchObject({ ok: true, tail: 3 });
    await store.close();
    store = await createFileStreamStore(options);
    const read = await store.read("r", { from: 0, maxBytes: 1024 });
    await store.close();
    expect(read.ok && Buffer.concat(read.chunks).toString()).toBe("abb");
  });

  it("in `durable` visibility never shows a batch whose fdatasync fails", async () => {
    const faulty = faultyFs();
    const { client } = await serve(await tempDir(), {
      segmentFs: faulty.fs,
      visibility: "durable",
    });
    const put = await client.send("PUT", "/d", { headers: TEXT, body: "a" });
    const tail = put.headers.get("stream-next-offset") as string;
    faulty.fail("datasync", "ENOSPC");
    const poll = client.send("GET", `/d?offset=${tail}&live=long-poll`);
    expect((await client.send("POST", "/d", { headers: TEXT, body: "no" })).status).toBe(500);
    expect((await client.send("POST", "/d", { headers: TEXT, body: "b" })).status).toBe(204);
    const got = await poll;
    expect(got.text).toBe("b");
    expect((await client.send("GET", "/d?offset=-1")).text).toBe("ab");
  });
});
