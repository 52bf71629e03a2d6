import { expect } from "vitest";
import type { StreamClient } from "./stream-client.ts";

/** A streams server in a child process that the scenario restarts halfway through. */
export interface RestartableServer {
  /** A client of the server, wherever it currently listens. */
  client: StreamClient;
  /**
   * Stops the server (SIGKILL first when `signal` is SIGKILL, else a graceful
   * SIGTERM) and starts it again on the same data.
   */
  restart(signal: "SIGTERM" | "SIGKILL"): Promise<void>;
}

const STREAM = "/agents/sessions/tail";
const COUNT = 120;
const DEADLINE_MS = 20_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Appends {@link COUNT} JSON messages while a long-poll reader and an SSE reader
 * tail the stream, restarting the server with `signal` halfway, and asserts that
 * both readers got every message exactly once, in order — and, after SIGTERM,
 * that the SSE connection the shutdown ended closed on a control event to resume from.
 *
 * @example
 * it("…after a SIGKILL restart", () => tailAcrossRestart(server, "SIGKILL"));
 */
export async function tailAcrossRestart(
  server: RestartableServer,
  signal: "SIGTERM" | "SIGKILL",
): Promise<void> {
  const { client } = server;
  const json = { "content-type": "application/json" };
  expect((await client.send("PUT", STREAM, { headers: json })).status).toBe(201);

  const run = { stopped: false };
  const polled: number[] = [];
  const streamed: number[] = [];
  const sseEndings: string[] = [];
  const readers = Promise.all([
    longPollReader(client, run, polled),
    sseReader(client, run, streamed, sseEndings),
  ]);
  try {
    for (let n = 0; n < COUNT; n++) {
      if (n === COUNT / 2) {
        // SIGTERM: long-polls are answered, SSE streams get a last control event.
        // SIGKILL: connections just drop; readers resume from their offsets.
        await server.restart(signal);
      }
      const reply = await client.send("POST", STREAM, {
        headers: json,
        body: JSON.stringify({ n }),
      });
      expect(reply.status).toBe(204);
    }
    await untilDone(readers, DEADLINE_MS);
  } finally {
    run.stopped = true;
  }

  const expected = Array.from({ length: COUNT }, (_, n) => n);
  expect(polled).toEqual(expected);
  expect(streamed).toEqual(expected);
  // The SSE connection ended by a graceful shutdown ended on a control event to resume from.
  if (signal === "SIGTERM") expect(sseEndings[0]).toBe("control");
}

/** Waits for `work` or the deadline, whichever is first; a rejection of `work` is rethrown. */
async function untilDone(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

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

/** Long-polls from its last offset until it has {@link COUNT} messages, retrying while the server is down. */
async function longPollReader(
  client: StreamClient,
  run: { stopped: boolean },
  seen: number[],
): Promise<void> {
  let offset = "-1";
  while (seen.length < COUNT && !run.stopped) {
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
  run: { stopped: boolean },
  seen: number[],
  endings: string[],
): Promise<void> {
  let offset = "-1";
  while (seen.length < COUNT && !run.stopped) {
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
        if (seen.length >= COUNT) controller.abort();
      }
      endings.push(last);
    } catch (error) {
      await retryIfDown(error);
    }
  }
}
