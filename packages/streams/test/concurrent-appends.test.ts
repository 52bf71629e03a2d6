import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFileStreamStore, createMemoryStreamStore, type StreamStore } from "../src/index.ts";
import { agentsServer } from "./support/agents-server.ts";
import { faultyFs } from "./support/faulty-fs.ts";
import { serveApp } from "./support/serve-app.ts";
import { type StreamClient, streamClient } from "./support/stream-client.ts";

const JSON_TYPE = { "content-type": "application/json" };
type Message = { w: number; i: number };

describe.each(["memory", "file"] as const)(
  "concurrent appenders to one stream (%s store)",
  (kind) => {
    let store: StreamStore;
    let server: Awaited<ReturnType<typeof serveApp>>;
    let client: StreamClient;
    let dir: string | undefined;
    // Counts the file store's fdatasyncs (one per group commit).
    const fs = faultyFs();

    beforeAll(async () => {
      dir = kind === "file" ? await mkdtemp(join(tmpdir(), "streams-concurrency-")) : undefined;
      store = dir
        ? await createFileStreamStore({ dir, segmentFs: fs.fs })
        : createMemoryStreamStore();
      server = await serveApp(agentsServer({ store, longPollTimeoutMs: 500 }));
      client = streamClient(() => `${server.url}/agents`);
    });
    afterAll(async () => {
      await server.close();
      await store.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("get one total order, and the stream's order is the order of their acknowledged offsets", async () => {
      await client.send("PUT", "/order", { headers: JSON_TYPE });
      const acks: { offset: string; message: Message }[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (let i = 0; i < 30; i++) {
            const message = { w, i };
            const reply = await client.send("POST", "/order", {
              headers: JSON_TYPE,
              body: JSON.stringify(message),
            });
            expect(reply.status).toBe(204);
            acks.push({ offset: reply.headers.get("stream-next-offset") as string, message });
          }
        }),
      );
      const stored = (await client.readAllJson("/order")) as Message[];
      expect(stored).toHaveLength(240);
      expect(new Set(acks.map((ack) => ack.offset)).size).toBe(240);
      const byOffset = [...acks]
        .sort((a, b) => (a.offset < b.offset ? -1 : 1))
        .map((ack) => ack.message);
      expect(stored).toEqual(byOffset);
      for (let w = 0; w < 8; w++) {
        expect(stored.filter((m) => m.w === w).map((m) => m.i)).toEqual([...Array(30).keys()]);
      }
    });

    it("with Stream-Seq: stores accepted appends in increasing seq order and none of the rejected ones", async () => {
      await client.send("PUT", "/seq", { headers: JSON_TYPE });
      let next = 0;
      const accepted: string[] = [];
      const rejected: string[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let k = 0; k < 25; k++) {
            const seq = String(next++).padStart(6, "0");
            const reply = await client.send("POST", "/seq", {
              headers: { ...JSON_TYPE, "Stream-Seq": seq },
              body: JSON.stringify({ seq }),
            });
            expect([204, 409]).toContain(reply.status);
            (reply.status === 204 ? accepted : rejected).push(seq);
          }
        }),
      );
      const stored = ((await client.readAllJson("/seq")) as { seq: string }[]).map((m) => m.seq);
      expect(stored).toEqual([...accepted].sort());
      expect(stored).toEqual([...stored].sort());
      expect(new Set(stored).size).toBe(stored.length);
      for (const seq of rejected) expect(stored).not.toContain(seq);
    });

    it("acknowledge a burst of simultaneous appends with distinct, increasing offsets (one group commit)", async () => {
      await client.send("PUT", "/burst", { headers: { "content-type": "text/plain" } });
      const fsyncsBefore = fs.datasyncs();
      // The file store's first fdatasync of the burst is held a moment, so the
      // rest of the burst queues behind it and must go out as one batch.
      if (kind === "file") {
        fs.hold();
        void fs.held().then(async (release) => {
          await new Promise((resolve) => setTimeout(resolve, 150));
          release();
        });
      }
      const replies = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          client.send("POST", "/burst", {
            headers: { "content-type": "text/plain" },
            body: `<${i}>`,
          }),
        ),
      );
      expect(replies.every((reply) => reply.status === 204)).toBe(true);
      const offsets = replies.map((reply) => reply.headers.get("stream-next-offset") as string);
      expect(new Set(offsets).size).toBe(200);
      const read = await client.send("GET", "/burst?offset=-1");
      const order = [...read.text.matchAll(/<(\d+)>/g)].map((m) => Number(m[1]));
      const byOffset = offsets
        .map((offset, i) => ({ offset, i }))
        .sort((a, b) => (a.offset < b.offset ? -1 : 1));
      expect(order).toEqual(byOffset.map((entry) => entry.i));
      expect(read.headers.get("stream-next-offset")).toBe(byOffset.at(-1)?.offset);
      if (kind === "file") {
        // Batched: the requests arriving while one fdatasync runs share the next.
        const fsyncs = fs.datasyncs() - fsyncsBefore;
        expect(fsyncs).toBeGreaterThanOrEqual(1);
        expect(fsyncs).toBeLessThanOrEqual(5);
      }
    });
  },
);
