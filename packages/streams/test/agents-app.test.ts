import { describe, expect, it } from "vitest";
import { createMemoryStreamStore, STREAM_CLOSED, STREAM_NEXT_OFFSET } from "../src/index.ts";
import { agentsServer } from "./support/agents-server.ts";

// In-process (`app.request()`, no Node server): the web Request/Response paths
// the node fast paths fall back to.
function daemon() {
  const shutdown = new AbortController();
  const app = agentsServer({
    store: createMemoryStreamStore(),
    longPollTimeoutMs: 200,
    shutdownSignal: shutdown.signal,
  });
  return { app, shutdown };
}

describe("/agents served in-process", () => {
  it("creates, appends and reads a JSON stream, answering errors as contract error bodies", async () => {
    const { app } = daemon();
    const json = { "content-type": "application/json" };
    expect((await app.request("/agents/a/b", { method: "PUT", headers: json })).status).toBe(201);
    const append = await app.request("/agents/a/b", {
      method: "POST",
      headers: json,
      body: '[{"n":1},{"n":2}]',
    });
    expect(append.status).toBe(204);
    const read = await app.request("/agents/a/b?offset=-1");
    expect(await read.json()).toEqual([{ n: 1 }, { n: 2 }]);
    expect(read.headers.get(STREAM_NEXT_OFFSET)).toBe(append.headers.get(STREAM_NEXT_OFFSET));

    const bad = await app.request("/agents/a/b", { method: "POST", headers: json, body: "{oops" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: { code: "invalid_json", message: "body is not valid JSON" },
    });
    expect(bad.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("refuses stream names that could mean another path (400)", async () => {
    const { app } = daemon();
    // (Plain `a/../b` never arrives: URL parsing resolves it to `b` first.)
    for (const name of ["a%2F..%2Fb", "a%2F.%2Fb", "a//b", "a%20b"]) {
      const res = await app.request(`/agents/${name}`, { method: "PUT" });
      expect(res.status, name).toBe(400);
    }
  });

  it("streams SSE through a web body: data, control with upToDate, and a final streamClosed", async () => {
    const { app } = daemon();
    const text = { "content-type": "text/plain" };
    await app.request("/agents/s", { method: "PUT", headers: text, body: "hello\nworld" });
    const sse = await app.request("/agents/s?offset=-1&live=sse");
    expect(sse.headers.get("content-type")).toBe("text/event-stream");
    const reader = (sse.body as ReadableStream<Uint8Array>).getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(
      /^event: data\ndata:hello\ndata:world\n\nevent: control\ndata:\{"streamNextOffset":"[\d_]+","streamCursor":"\d+","upToDate":true\}\n\n$/,
    );

    await app.request("/agents/s", { method: "POST", headers: { [STREAM_CLOSED]: "true" } });
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(rest).toMatch(
      /event: control\ndata:\{"streamNextOffset":"[\d_]+","streamClosed":true\}\n\n$/,
    );
  });

  it("ends an SSE connection past its time also while it catches up, with the offset to resume from", async () => {
    const app = agentsServer({
      store: createMemoryStreamStore(),
      longPollTimeoutMs: 200,
      maxReadBytes: 10,
      sseMaxDurationMs: 0,
    });
    const text = { "content-type": "text/plain" };
    await app.request("/agents/c", { method: "PUT", headers: text });
    for (let i = 0; i < 10; i++) {
      await app.request("/agents/c", { method: "POST", headers: text, body: `chunk-${i}.` });
    }
    const sse = await app.request("/agents/c?offset=-1&live=sse");
    const body = await sse.text(); // ends by itself: the connection's time is up
    expect(body.match(/^event: data$/gm)?.length).toBe(1);
    expect(body).toContain("data:chunk-0.");
    expect(body).not.toContain("upToDate");
    const resume = /"streamNextOffset":"([^"]+)"/.exec(body)?.[1] as string;
    const rest = await app.request(`/agents/c?offset=${resume}`);
    expect(await rest.text()).toMatch(/^chunk-1\./);
  });

  it("answers parked long-polls with 204 when the server shuts down", async () => {
    const { app, shutdown } = daemon();
    const put = await app.request("/agents/lp", { method: "PUT" });
    const tail = put.headers.get(STREAM_NEXT_OFFSET);
    const poll = app.request(`/agents/lp?offset=${tail}&live=long-poll`);
    shutdown.abort();
    const res = await poll;
    expect(res.status).toBe(204);
    expect(res.headers.get(STREAM_NEXT_OFFSET)).toBe(tail);
  });

  it("delivers a UTF-8 character split between two appends intact over SSE text", async () => {
    const { app } = daemon();
    const text = { "content-type": "text/plain; charset=utf-8" };
    await app.request("/agents/u", { method: "PUT", headers: text });
    const sse = await app.request("/agents/u?offset=-1&live=sse");
    const reader = (sse.body as ReadableStream<Uint8Array>).getReader();
    const next = async () => new TextDecoder().decode((await reader.read()).value);
    const euro = Buffer.from("€"); // e2 82 ac
    const send = (bytes: Uint8Array) =>
      app.request("/agents/u", { method: "POST", headers: text, body: bytes as BodyInit });
    let events = await next(); // the initial control event
    await send(Buffer.concat([Buffer.from("a"), euro.subarray(0, 2)]));
    // Held back: a control event that stays at the offset before the split character.
    const held = await next();
    expect(held).toMatch(/^event: control\n/);
    expect(held).toContain('"streamNextOffset":"0000000000000000_0000000000000000"');
    events += held;
    await send(Buffer.concat([euro.subarray(2), Buffer.from("b")]));
    await app.request("/agents/u", { method: "POST", headers: { [STREAM_CLOSED]: "true" } });
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      events += new TextDecoder().decode(chunk.value);
    }
    const data = [...events.matchAll(/^event: data\ndata:(.*)$/gm)].map((m) => m[1]);
    expect(data).toEqual(["a€b"]);
    expect(events).not.toContain("\uFFFD");
  });

  it("forks a stream whose name is percent-encoded in its URL (Stream-Forked-From decoded like the path)", async () => {
    const { app } = daemon();
    const text = { "content-type": "text/plain" };
    expect(
      (await app.request("/agents/x%25y", { method: "PUT", headers: text, body: "src" })).status,
    ).toBe(201);
    const fork = await app.request("/agents/f", {
      method: "PUT",
      headers: { ...text, "Stream-Forked-From": "/x%25y" },
    });
    expect(fork.status).toBe(201);
    expect(await (await app.request("/agents/f?offset=-1")).text()).toBe("src");
  });
});
