import { describe, expect, it } from "vitest";
import { createMemoryStreamStore, STREAM_NEXT_OFFSET } from "../src/index.ts";
import { agentsServer } from "./support/agents-server.ts";

// Each long-poll and SSE connection holds a connection and its buffers until data, a time-out or
// the SSE duration: a client opening them in a loop must meet a bound, not grow the server.

/** An app with the given bound, one text stream `name` on it, and a long-poll at its tail. */
async function boundedStream(
  name: string,
  limits: { maxLiveRequests: number; longPollTimeoutMs: number },
) {
  const app = agentsServer({ store: createMemoryStreamStore(), ...limits });
  const put = await app.request(`/agents/${name}`, {
    method: "PUT",
    headers: { "content-type": "text/plain" },
  });
  const longPoll = `/agents/${name}?offset=${put.headers.get(STREAM_NEXT_OFFSET)}&live=long-poll`;
  return { app, longPoll };
}

describe("open long-polls and SSE connections are bounded (maxLiveRequests)", () => {
  it("refuses one past the bound with 503 limit_exceeded and Retry-After, and takes one again once another ends", async () => {
    const { app, longPoll } = await boundedStream("s", {
      maxLiveRequests: 2,
      longPollTimeoutMs: 10_000,
    });
    const sseClient = new AbortController();
    const parked = app.request(longPoll);
    const sse = await app.request("/agents/s?offset=-1&live=sse", { signal: sseClient.signal });
    expect(sse.status).toBe(200);

    for (const path of [longPoll, "/agents/s?offset=-1&live=sse"]) {
      const refused = await app.request(path);
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("1");
      expect(await refused.json()).toEqual({
        error: {
          code: "limit_exceeded",
          message: "2 long-polls and SSE connections are open already; retry shortly",
        },
      });
    }
    // Plain reads are not live: never refused.
    expect((await app.request("/agents/s?offset=-1")).status).toBe(200);

    // Data ends the long-poll; the SSE client goes away: both places are free again.
    await app.request("/agents/s", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "x",
    });
    expect((await parked).status).toBe(200);
    sseClient.abort();
    await sse.body?.cancel().catch(() => {});
    const now = (await app.request("/agents/s?offset=now")).headers.get(STREAM_NEXT_OFFSET);
    const two = [1, 2].map(() => app.request(`/agents/s?offset=${now}&live=long-poll`));
    await app.request("/agents/s", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "y",
    });
    expect((await Promise.all(two)).map((res) => res.status)).toEqual([200, 200]);
  });

  it("frees the place of a client gone before its long-poll parked at once, not after the wait", async () => {
    const { app, longPoll } = await boundedStream("g", {
      maxLiveRequests: 1,
      longPollTimeoutMs: 60_000,
    });
    const gone = new AbortController();
    gone.abort();
    // Its abort fired before the long-poll subscribed to it: without a check it would park for
    // the whole wait (60 s, past this test's time-out), holding the only place.
    expect((await app.request(longPoll, { signal: gone.signal })).status).toBe(204);
    const next = app.request(longPoll);
    await app.request("/agents/g", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "z",
    });
    expect((await next).status).toBe(200);
  });
});
