import { readdir, readFile } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import type { HttpBindings } from "@hono/node-server";
import { generateDaemonSecret, signRequest } from "@iterate/contract";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  openPersistentReplayCache,
  type PersistentReplayCache,
} from "../../src/auth/persistent-replay-cache.ts";
import { platformAuth } from "../../src/auth/platform-auth.ts";
import { daemonErrorHandler } from "../../src/error-handler.ts";
import { eventually } from "../agent/support/eventually.ts";
import { serveApp } from "../streams/support/serve-app.ts";
import { rawHttpTo } from "./support/raw-http.ts";
import { tempDir } from "./support/temp.ts";

// platformAuth as @hono/node-server runs it (the body read from Node's request, not a web
// Request), with tiny caps: 64 bytes per body, 100 bytes held at once across requests.
const key = { secret: generateDaemonSecret(), machineId: "mch_node_body" };
let server: { url: string; close(): Promise<void> };
let port: number;
let replayDir: string;
let replay: PersistentReplayCache;
/** Flushes of the replay log that wrote something: one per batch of claims. */
let batches = 0;
/** While set, every write of the replay log fails (as a full disk would). */
let failWrites = false;
/** jtis claimed and not yet written, and those the log has. */
let unwritten: string[] = [];
const written = new Set<string>();
/** Requests whose handler ran before their jti was in the log (must stay empty). */
const ranUnlogged: string[] = [];
/** The request held before platformAuth on `/gated-echo`, and how to let it on. */
const gate: { incoming?: IncomingMessage; open?: () => void } = {};

beforeAll(async () => {
  replayDir = await tempDir("replay-");
  replay = await openPersistentReplayCache({ dir: replayDir });
  let claimed = false;
  const counting = {
    claim: (jti: string, expiresAtMs: number, nowMs: number) => {
      const ok = replay.claim(jti, expiresAtMs, nowMs);
      claimed ||= ok;
      if (ok) unwritten.push(jti);
      return ok;
    },
    flush: () => {
      if (failWrites) throw new Error("ENOSPC: no space left on device");
      if (claimed) batches++;
      claimed = false;
      replay.flush();
      for (const jti of unwritten) written.add(jti);
      unwritten = [];
    },
    get size() {
      return replay.size;
    },
  };
  const app = new Hono();
  // As the daemon answers (and quietly: the failing-log test's errors are expected).
  app.onError(daemonErrorHandler({ log: () => {} }));
  // The adapter's own (lazy) Request of each request, to see that platformAuth keeps it.
  const adapterRequests = new WeakSet<Request>();
  app.use(async (c, next) => {
    adapterRequests.add(c.req.raw);
    await next();
  });
  // Holds its requests before platformAuth until the test opens the gate: their bodies are
  // then buffered in Node's request, in as many chunks as they arrived in.
  app.use("/gated-echo", async (c, next) => {
    gate.incoming = (c.env as HttpBindings).incoming;
    await new Promise<void>((resolve) => {
      gate.open = resolve;
    });
    await next();
  });
  app.use(
    platformAuth({ ...key, replayCache: counting, maxBodyBytes: 64, maxInFlightBodyBytes: 100 }),
  );
  app.use(async (c, next) => {
    const jti = c.get("platformClaims").jti;
    if (!written.has(jti)) ranUnlogged.push(jti);
    await next();
  });
  app.post("/echo", async (c) =>
    c.json({
      text: await c.req.text(),
      bytes: new Uint8Array(await c.req.arrayBuffer()).length,
      raw: await c.req.raw.text(),
      sameRequest: adapterRequests.has(c.req.raw),
    }),
  );
  app.post("/stream", async (c) => {
    const reader = (c.req.raw.body as ReadableStream<Uint8Array>).getReader();
    const chunks: Uint8Array[] = [];
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      chunks.push(read.value);
    }
    return c.text(Buffer.concat(chunks).toString());
  });
  app.post("/logged", async (c) => {
    const jti = c.get("platformClaims").jti;
    const files = await readdir(replayDir);
    const log = (await Promise.all(files.map((f) => readFile(join(replayDir, f), "utf8")))).join();
    return c.json({ logged: log.includes(JSON.stringify(jti)) });
  });
  app.post("/gated-echo", (c) => {
    const raw = ((c.env as HttpBindings).incoming as { rawBody?: Buffer }).rawBody as Buffer;
    return c.json({
      text: raw.toString(),
      ownBuffer: raw.byteOffset === 0 && raw.buffer.byteLength === raw.length,
    });
  });
  app.post("/early", (c) => c.json({ ended: (c.env as HttpBindings).incoming.complete }));
  app.get("/a/b", (c) => c.text("routed"));
  server = await serveApp(app);
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server.close();
  replay.close();
});

async function authorization(method: string, path: string, body?: string): Promise<string> {
  return `Bearer ${await signRequest({ ...key, method, url: path, body })}`;
}

const { request: rawRequest, connection, exchange } = rawHttpTo(key, () => port);
const until = <T>(attempt: () => Promise<T | undefined>) =>
  eventually(attempt, { timeoutMs: 5000 });

describe("platform auth under @hono/node-server: the body path", () => {
  it("hands handlers the verified bytes: c.req.text(), arrayBuffer() and c.req.raw, whose Request is not rebuilt", async () => {
    const answer = await exchange(await rawRequest("/echo", "hello, node"));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({
      text: "hello, node",
      bytes: 11,
      raw: "hello, node",
      sameRequest: true,
    });
    const streamed = await exchange(await rawRequest("/stream", "as a stream"));
    expect(streamed).toEqual({ status: 200, body: "as a stream" });
  });

  it("reads a chunked body sent whole, and refuses one over the cap (413)", async () => {
    const ok = await exchange(await rawRequest("/echo", "abcdef", { chunks: ["abc", "def"] }));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).raw).toBe("abcdef");
    const big = "x".repeat(40);
    const tooLarge = await exchange(await rawRequest("/echo", big + big, { chunks: [big, big] }));
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body).error.code).toBe("payload_too_large");
  });

  it("refuses a body whose bytes differ from the signed hash, and a replayed request", async () => {
    const signed = await rawRequest("/echo", "original");
    const swapped = signed.replace(/original$/, "tampered");
    expect((await exchange(swapped)).status).toBe(401);
    expect((await exchange(signed)).status).toBe(200);
    const replayed = await exchange(signed);
    expect(replayed.status).toBe(401);
    expect(JSON.parse(replayed.body).error.code).toBe("replayed");
  });

  it("has the jti in the replay log before the handler runs", async () => {
    const answer = await exchange(await rawRequest("/logged", "x"));
    expect(JSON.parse(answer.body)).toEqual({ logged: true });
  });

  it("verifies pipelined requests of one packet each, answers them in order, and logs their jtis in a write or a few per packet (turn-flush.test.ts pins which)", async () => {
    const requests = await Promise.all(
      Array.from({ length: 8 }, (_, i) => rawRequest("/echo", `message ${i}`)),
    );
    const conn = connection();
    try {
      const before = batches;
      conn.write(requests.join(""));
      const answers = [];
      for (let i = 0; i < requests.length; i++) answers.push(await conn.answer());
      expect(answers.map((a) => JSON.parse(a.body).raw)).toEqual(
        requests.map((_, i) => `message ${i}`),
      );
      // One packet, one turn of the event loop: the first claim is written at once, the other
      // seven in one write at the check phase (one more if the kernel split the packet).
      expect(batches - before).toBeLessThanOrEqual(3);
    } finally {
      conn.close();
    }
  });

  it("runs no handler before its own jti is in the log, over a burst of pipelined connections", async () => {
    const conns = await Promise.all(
      Array.from({ length: 6 }, async (_, k) => {
        const requests = await Promise.all(
          Array.from({ length: 5 }, (_, i) => rawRequest("/echo", `burst ${k}.${i}`)),
        );
        const conn = connection();
        conn.write(requests.join(""));
        return conn;
      }),
    );
    try {
      for (const conn of conns) {
        for (let i = 0; i < 5; i++) expect((await conn.answer()).status).toBe(200);
      }
      expect(ranUnlogged).toEqual([]);
    } finally {
      for (const conn of conns) conn.close();
    }
  });

  it("fails closed when the log cannot be written: 500 for the turn's first and its batched requests, no handler run", async () => {
    const requests = await Promise.all(
      Array.from({ length: 3 }, (_, i) => rawRequest("/echo", `unlogged ${i}`)),
    );
    const conn = connection();
    failWrites = true;
    try {
      conn.write(requests.join(""));
      const answers = [await conn.answer(), await conn.answer(), await conn.answer()];
      expect(answers.map((a) => a.status)).toEqual([500, 500, 500]);
      expect(answers.map((a) => JSON.parse(a.body).error.code)).toEqual(
        Array(3).fill("internal_error"),
      );
    } finally {
      failWrites = false;
      conn.close();
    }
    expect(ranUnlogged).toEqual([]);
    // The log works again: so does the next request.
    expect((await exchange(await rawRequest("/echo", "logged again"))).status).toBe(200);
  });

  it("hands on a body that came with the headers without waiting for a turn of the event loop", async () => {
    // Node marks the message complete only after the check phase; the body's bytes are
    // buffered one microtask after the headers, and the handler runs with them then.
    const answer = await exchange(await rawRequest("/early", "in the headers' packet"));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ ended: false });
  });

  it("checks htu against the target as sent, not as URL parsing would normalize it", async () => {
    const token = await authorization("GET", "/a/b");
    const sent = `GET /a/x/../b HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${token}\r\n\r\n`;
    const answer = await exchange(sent);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body).error.code).toBe("path_mismatch");
    const plain = `GET /a/b HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${await authorization("GET", "/a/b")}\r\n\r\n`;
    expect(await exchange(plain)).toEqual({ status: 200, body: "routed" });
  });
});

describe("platform auth under @hono/node-server: the handed-on bytes", () => {
  it("hands on a body that arrived in pieces in a buffer of its own, not a slice of Node's pool", async () => {
    const body = "p".repeat(40);
    const [head] = (await rawRequest("/gated-echo", body)).split("\r\n\r\n");
    const conn = connection();
    try {
      conn.write(`${head}\r\n\r\n${body.slice(0, 20)}`);
      await until(async () => ((gate.incoming?.readableLength ?? 0) >= 20 ? true : undefined));
      conn.write(body.slice(20));
      await until(async () => (gate.incoming?.readableLength === 40 ? true : undefined));
      // Two chunks buffered: Node joins them in its shared pool when they are read at once.
      gate.open?.();
      const answer = await conn.answer();
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ text: body, ownBuffer: true });
    } finally {
      conn.close();
    }
  });
});
