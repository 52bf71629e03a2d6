import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type StoreProcess, startStoreProcess } from "./support/store-process.ts";
import { type StreamClient, streamClient } from "./support/stream-client.ts";

let server: StoreProcess | undefined;
let stopped = false;
const dirs: string[] = [];

afterEach(async () => {
  stopped = true;
  await server?.stop();
  server = undefined;
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function boot(dir: string): Promise<void> {
  server = await startStoreProcess(dir, 1000);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const STREAM = "/agents/sessions/tail";

/**
 * Only the server being down is retried: a failed assertion or a garbled body is the test's
 * verdict and must not be swallowed as if the connection had dropped.
 */
async function retryIfDown(error: unknown): Promise<void> {
  if (error instanceof Error && (error.name === "AssertionError" || error instanceof SyntaxError)) {
    throw error;
  }
  await pause(50);
}

/** Long-polls from its last offset until it has `count` messages, retrying while the server is down. */
async function longPollReader(client: StreamClient, count: number, seen: number[]): Promise<void> {
  let offset = "-1";
  while (seen.length < count && !stopped) {
    try {
      const reply = await client.send("GET", `${STREAM}?offset=${offset}&live=long-poll`);
      if (reply.status === 200)
        for (const m of JSON.parse(reply.text) as { n: number }[]) seen.push(m.n);
      else expect(reply.status).toBe(204);
      offset = reply.headers.get("stream-next-offset") ?? offset;
    } catch (error) {
      await retryIfDown(error);
    }
  }
}

/** Tails with SSE, reconnecting from the last control event's offset. */
async function sseReader(
  client: StreamClient,
  count: number,
  seen: number[],
  endings: string[],
): Promise<void> {
  let offset = "-1";
  while (seen.length < count && !stopped) {
    const controller = new AbortController();
    try {
      const response = await client.open(`${STREAM}?offset=${offset}&live=sse`, controller.signal);
      expect(response.status).toBe(200);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let pending = "";
      let last = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        pending += decoder.decode(value, { stream: true });
        let cut = pending.indexOf("\n\n");
        while (cut !== -1) {
          const block = pending.slice(0, cut);
          pending = pending.slice(cut + 2);
          const type = /^event: (\w+)/m.exec(block)?.[1] ?? "";
          const data = [...block.matchAll(/^data:(.*)$/gm)].map((m) => m[1]).join("\n");
          if (type === "data") for (const m of JSON.parse(data) as { n: number }[]) seen.push(m.n);
          if (type === "control") offset = JSON.parse(data).streamNextOffset;
          last = type;
          cut = pending.indexOf("\n\n");
        }
        if (seen.length >= count) controller.abort();
      }
      endings.push(last);
    } catch (error) {
      await retryIfDown(error);
    }
  }
}

describe("tailing across a server restart", () => {
  it.each(["SIGTERM", "SIGKILL"] as const)(
    "long-poll and SSE readers get every message exactly once, in order, after a %s restart",
    async (signal) => {
      stopped = false;
      const dir = await mkdtemp(join(tmpdir(), "streams-restart-"));
      dirs.push(dir);
      await boot(dir);
      const client = streamClient(() => server?.url ?? "");
      const json = { "content-type": "application/json" };
      expect((await client.send("PUT", STREAM, { headers: json })).status).toBe(201);

      const COUNT = 120;
      const polled: number[] = [];
      const streamed: number[] = [];
      const sseEndings: string[] = [];
      const readers = Promise.all([
        longPollReader(client, COUNT, polled),
        sseReader(client, COUNT, streamed, sseEndings),
      ]);
      for (let n = 0; n < COUNT; n++) {
        if (n === COUNT / 2) {
          // SIGTERM: long-polls are answered, SSE streams get a last control event.
          // SIGKILL: connections just drop; readers resume from their offsets.
          if (signal === "SIGKILL") server?.child.kill("SIGKILL");
          await server?.stop();
          await boot(dir);
        }
        const reply = await client.send("POST", STREAM, {
          headers: json,
          body: JSON.stringify({ n }),
        });
        expect(reply.status).toBe(204);
      }
      await Promise.race([readers, pause(20_000)]);

      const expected = Array.from({ length: COUNT }, (_, n) => n);
      expect(polled).toEqual(expected);
      expect(streamed).toEqual(expected);
      // The SSE connection ended by a graceful shutdown ended on a control event to resume from.
      if (signal === "SIGTERM") expect(sseEndings[0]).toBe("control");
    },
  );
});
