import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_PRODUCERS_PER_STREAM } from "../src/core/log-state.ts";
import { createFileStreamStore, type StreamStore } from "../src/index.ts";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

const TEXT = "text/plain";
const byte = Buffer.from("x");
const append = (store: StreamStore, id: string, seq: number) =>
  store.append("s", {
    contentType: TEXT,
    body: byte,
    close: false,
    producer: { id, epoch: 0, seq },
  });

describe("producers a stream remembers are bounded", () => {
  it(`forgets the producer that wrote longest ago past ${MAX_PRODUCERS_PER_STREAM}, the same way after a restart`, async () => {
    const dir = await mkdtemp(join(tmpdir(), "producer-bound-"));
    // Small segments: sealed ones write indexes with the producer state, which recovery loads.
    const open = () => createFileStreamStore({ dir, fsync: false, segmentBytes: 64 * 1024 });
    let store = await open();
    cleanups.push(async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    });
    await store.create("s", { contentType: TEXT, closed: false, body: new Uint8Array(0) });
    for (let i = 0; i <= MAX_PRODUCERS_PER_STREAM; i++) {
      expect((await append(store, `p${i}`, 0)).ok).toBe(true);
    }
    const check = async () => {
      // The newest is remembered: its retry is a duplicate.
      expect(await append(store, `p${MAX_PRODUCERS_PER_STREAM}`, 0)).toMatchObject({
        ok: true,
        duplicate: true,
      });
      // The oldest is forgotten: seq 1 is a gap from a new producer's 0.
      expect(await append(store, "p0", 1)).toMatchObject({
        ok: false,
        reason: "sequence_gap",
        expected: 0,
      });
    };
    await check();
    await store.close();
    store = await open();
    await check();
  });
});
