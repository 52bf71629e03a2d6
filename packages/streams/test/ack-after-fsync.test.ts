import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFileStreamStore, type StreamStore } from "../src/index.ts";
import { agentsServer } from "./support/agents-server.ts";
import { faultyFs } from "./support/faulty-fs.ts";
import { serveApp } from "./support/serve-app.ts";
import { streamClient } from "./support/stream-client.ts";

// kill-9.test.ts cannot see a missing fsync (SIGKILL keeps the page cache), so
// these tests watch the fdatasync itself through an injected SegmentFs.

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function openStore(faulty: ReturnType<typeof faultyFs>): Promise<StreamStore> {
  const dir = await mkdtemp(join(tmpdir(), "streams-ack-"));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const store = await createFileStreamStore({ dir, log: () => {}, segmentFs: faulty.fs });
  cleanup.push(() => store.close());
  return store;
}

const TEXT = { contentType: "text/plain", close: false } as const;
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

/** Resolves with the held fdatasync's release, or fails if `acked` settles first (no fsync at all). */
async function heldBefore(faulty: ReturnType<typeof faultyFs>, acked: Promise<unknown>) {
  return Promise.race([
    faulty.held(),
    acked.then(() => {
      throw new Error("acknowledged without an fdatasync");
    }),
  ]);
}

describe("an append is acknowledged only after its fdatasync resolved", () => {
  it("store.append: write, fdatasync start, fdatasync end, then the ack", async () => {
    const faulty = faultyFs();
    const store = await openStore(faulty);
    await store.create("s", { contentType: "text/plain", closed: false, body: Buffer.alloc(0) });
    faulty.events.length = 0;
    faulty.hold();
    let acked = false;
    const append = store.append("s", { ...TEXT, body: Buffer.from("x") }).then((result) => {
      acked = true;
      faulty.events.push("ack");
      return result;
    });
    const release = await heldBefore(faulty, append);
    await settle();
    expect(acked).toBe(false);
    expect(faulty.events).toEqual(["write", "datasync:start"]);
    release();
    expect(await append).toMatchObject({ ok: true, tail: 1 });
    expect(faulty.events).toEqual(["write", "datasync:start", "datasync:end", "ack"]);
  });

  it("HTTP POST: no response while the fdatasync is pending, 204 right after", async () => {
    const faulty = faultyFs();
    const store = await openStore(faulty);
    const server = await serveApp(agentsServer({ store, longPollTimeoutMs: 500 }));
    cleanup.push(() => server.close());
    const client = streamClient(() => `${server.url}/agents`);
    await client.send("PUT", "/h", { headers: { "content-type": "text/plain" } });
    faulty.events.length = 0;
    faulty.hold();
    let answered = false;
    const post = client
      .send("POST", "/h", { headers: { "content-type": "text/plain" }, body: "x" })
      .then((reply) => {
        answered = true;
        faulty.events.push("ack");
        return reply;
      });
    const release = await heldBefore(faulty, post);
    await settle();
    expect(answered).toBe(false);
    release();
    expect((await post).status).toBe(204);
    expect(faulty.events).toEqual(["write", "datasync:start", "datasync:end", "ack"]);
  });

  it("50 concurrent appends share one group commit: one fdatasync, not 50", async () => {
    const faulty = faultyFs();
    const store = await openStore(faulty);
    await store.create("g", { contentType: "text/plain", closed: false, body: Buffer.alloc(0) });
    const before = faulty.datasyncs();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.append("g", { ...TEXT, body: Buffer.from(`${i}`) }),
      ),
    );
    expect(results.every((result) => result.ok)).toBe(true);
    const fsyncs = faulty.datasyncs() - before;
    expect(fsyncs).toBeGreaterThanOrEqual(1);
    expect(fsyncs).toBeLessThanOrEqual(2);
  });
});
