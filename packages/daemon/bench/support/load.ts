/**
 * Load generators for the streams benchmark. Each speaks plain HTTP/1.1 with
 * the least client overhead Node allows (node:http keep-alive agents, raw
 * sockets for pipelining), so differences come from the servers.
 */
import http from "node:http";
import net from "node:net";
import { performance } from "node:perf_hooks";
import type { Signer } from "./signer.ts";

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** performance.now() when the last byte arrived. */
  at: number;
}

/** One request over `agent`; resolves when the whole response has arrived. */
export function send(
  agent: http.Agent,
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks),
          at: performance.now(),
        }),
      );
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}

/** Path plus query of `url`: what a request signature covers. */
export function target(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

export async function createStream(
  baseUrl: string,
  name: string,
  sign: Signer,
): Promise<{ url: string; tail: string }> {
  const agent = new http.Agent({ keepAlive: false });
  const url = `${baseUrl}/${name}`;
  const reply = await send(agent, "PUT", url, {
    "content-type": "text/plain",
    ...(await sign("PUT", target(url))),
  });
  if (reply.status !== 201) throw new Error(`create ${url}: ${reply.status} ${reply.body}`);
  return { url, tail: String(reply.headers["stream-next-offset"]) };
}

/** A 100-byte text message carrying an id the readers can find. */
export function message(id: number, bytes = 100): string {
  const head = `m${id}|`;
  return head + "x".repeat(Math.max(0, bytes - head.length));
}

export interface TailSession {
  url: string;
  offset: string;
  reader: http.Agent;
  writer: http.Agent;
  sign: Signer;
}

/** One session stream that a reader tails and a writer appends to, kept across slices. */
export async function tailSession(baseUrl: string, sign: Signer): Promise<TailSession> {
  const stream = await createStream(baseUrl, `bench-rt-${Date.now()}`, sign);
  return {
    url: stream.url,
    offset: stream.tail,
    reader: new http.Agent({ keepAlive: true, maxSockets: 1 }),
    writer: new http.Agent({ keepAlive: true, maxSockets: 1 }),
    sign,
  };
}

/**
 * (a) Append → long-poll receive: a reader parks a long-poll at the tail, the
 * writer appends 100 B, and the sample is the time from sending the append to
 * the reader holding the data. The session stream grows across calls, as a
 * tailed agent session does.
 */
export async function roundTrips(
  session: TailSession,
  options: { warmup: number; samples: number },
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < options.warmup + options.samples; i++) {
    const pollUrl = `${session.url}?offset=${session.offset}&live=long-poll`;
    const poll = send(session.reader, "GET", pollUrl, await session.sign("GET", target(pollUrl)));
    const body = message(i);
    const appendHeaders = {
      "content-type": "text/plain",
      ...(await session.sign("POST", target(session.url), body)),
    };
    // Give the long-poll time to park at the server before appending.
    await new Promise((resolve) => setTimeout(resolve, 2));
    const sentAt = performance.now();
    const append = send(session.writer, "POST", session.url, appendHeaders, body);
    const got = await poll;
    const ack = await append;
    if (got.status !== 200 || ack.status !== 204)
      throw new Error(`round trip ${i}: ${got.status}/${ack.status}`);
    if (i >= options.warmup) samples.push(got.at - sentAt);
    session.offset = String(got.headers["stream-next-offset"]);
  }
  return samples;
}

/**
 * (b) Small-message append throughput with a pipelining client: `connections`
 * sockets each keep `window` pipelined 100 B appends outstanding for `durationMs`.
 * Signed targets get a distinct token per request, signed before the clock starts
 * (`maxPerSecond` bounds how many); the run ends early should they run out.
 */
export async function appendThroughput(
  baseUrl: string,
  options: { connections: number; window: number; durationMs: number; maxPerSecond?: number },
  sign: Signer,
  signed: boolean,
  /** Called as the clock starts (after any signing), e.g. to read the server's CPU time. */
  onStart?: () => void,
): Promise<{ perSecond: number; appends: number }> {
  const stream = await createStream(baseUrl, `bench-tp-${Date.now()}`, sign);
  const url = new URL(stream.url);
  const body = message(0);
  const head = `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: text/plain\r\n`;
  const tail = `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const unsignedBytes = Buffer.from(head + tail);
  const presigned: Buffer[] = [];
  if (signed) {
    const count = Math.ceil(((options.maxPerSecond ?? 80_000) * options.durationMs) / 1000);
    for (let i = 0; i < count; i++) {
      const { authorization } = await sign("POST", url.pathname, body);
      presigned.push(Buffer.from(`${head}Authorization: ${authorization}\r\n${tail}`));
    }
  }
  let next = 0;
  const nextRequest = () => (signed ? presigned[next++] : unsignedBytes);
  let completed = 0;
  onStart?.();
  const started = performance.now();
  const deadline = started + options.durationMs;
  const runs = Array.from(
    { length: options.connections },
    () =>
      new Promise<void>((resolve, reject) => {
        const socket = net.connect(Number(url.port), url.hostname);
        socket.setNoDelay(true);
        let outstanding = 0;
        let buffered: Buffer = Buffer.alloc(0);
        const fill = () => {
          const batch: Buffer[] = [];
          while (outstanding < options.window && performance.now() < deadline) {
            const request = nextRequest();
            if (!request) break;
            batch.push(request);
            outstanding++;
          }
          if (batch.length > 0) socket.write(Buffer.concat(batch));
          else if (outstanding === 0) socket.end(resolve);
        };
        socket.on("connect", fill);
        socket.on("error", reject);
        socket.on("data", (chunk: Buffer) => {
          buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
          let at = 0;
          for (;;) {
            // Fast path for the expected bodiless 204; anything else is parsed fully.
            const headEnd = buffered.indexOf(HEAD_END, at);
            if (headEnd === -1) break;
            if (
              buffered[at + 9] !== 0x32 ||
              buffered[at + 10] !== 0x30 ||
              buffered[at + 11] !== 0x34
            ) {
              const parsed = parseResponse(buffered.subarray(at));
              if (!parsed) break;
              return reject(new Error(`append answered ${parsed.status}`));
            }
            at = headEnd + 4;
            outstanding--;
            completed++;
          }
          buffered = buffered.subarray(at);
          fill();
        });
      }),
  );
  await Promise.all(runs);
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: completed / seconds, appends: completed };
}

const HEAD_END = Buffer.from("\r\n\r\n");

/** Length and status of the first complete HTTP/1.1 response in `buffer`, if any. */
function parseResponse(buffer: Buffer): { status: number; length: number } | null {
  const headEnd = buffer.indexOf("\r\n\r\n");
  if (headEnd === -1) return null;
  const head = buffer.toString("latin1", 0, headEnd);
  const status = Number(head.slice(9, 12));
  let length = headEnd + 4;
  const contentLength = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (status !== 204 && status !== 304 && contentLength) length += Number(contentLength[1]);
  else if (status !== 204 && status !== 304 && /\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const end = buffer.indexOf("0\r\n\r\n", headEnd + 4);
    if (end === -1) return null;
    length = end + 5;
  }
  return buffer.length >= length ? { status, length } : null;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
