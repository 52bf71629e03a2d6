/**
 * Raw HTTP/1.1 for tests of what Node's parser and `platformAuth` make of exact bytes: signed
 * requests written by hand (Content-Length or chunked, any request target), and a keep-alive
 * connection that reads Content-Length-framed answers in order (pipelining included).
 */
import net from "node:net";
import { signRequest } from "@iterate/contract";

/** A daemon's key: what the platform signs with. */
export type SigningKey = { secret: string; machineId: string };

/** One answer: its status and body. */
export interface RawAnswer {
  status: number;
  body: string;
}

/**
 * A signed request as raw bytes, with Content-Length or (`chunks`) chunked; `target` is sent in
 * place of the signed path.
 * @example conn.write(await signedRawRequest(key, "/echo", "hi"));
 */
export async function signedRawRequest(
  key: SigningKey,
  path: string,
  body: string,
  options: { chunks?: string[]; method?: string; target?: string } = {},
): Promise<string> {
  const method = options.method ?? "POST";
  const token = await signRequest({ ...key, method, url: path, body });
  const head =
    `${method} ${options.target ?? path} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
    `Authorization: Bearer ${token}\r\nContent-Type: text/plain\r\n`;
  if (!options.chunks) {
    return `${head}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  }
  const encoded = options.chunks.map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`);
  return `${head}Transfer-Encoding: chunked\r\n\r\n${encoded.join("")}0\r\n\r\n`;
}

/** One keep-alive connection to 127.0.0.1:`port` that writes raw bytes and reads answers in order. */
export function rawConnection(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  let buffered = Buffer.alloc(0);
  const waiting: ((answer: RawAnswer) => void)[] = [];
  const ready: RawAnswer[] = [];
  socket.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const end = buffered.indexOf("\r\n\r\n");
      if (end === -1) return;
      const head = buffered.toString("latin1", 0, end);
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      const answer = {
        status: Number(head.slice(9, 12)),
        body: buffered.toString("utf8", end + 4, end + 4 + length),
      };
      buffered = buffered.subarray(end + 4 + length);
      const next = waiting.shift();
      if (next) next(answer);
      else ready.push(answer);
    }
  });
  return {
    write: (bytes: string) => socket.write(bytes),
    answer: (): Promise<RawAnswer> =>
      new Promise((resolve) => {
        const first = ready.shift();
        if (first) resolve(first);
        else waiting.push(resolve);
      }),
    close: () => socket.destroy(),
  };
}

/** Writes `bytes` on a fresh connection and returns its first answer. */
export async function rawExchange(port: number, bytes: string): Promise<RawAnswer> {
  const conn = rawConnection(port);
  try {
    conn.write(bytes);
    return await conn.answer();
  } finally {
    conn.close();
  }
}

/**
 * The helpers above bound to one daemon under test: its key, and its port once it listens.
 * @example const { request, exchange } = rawHttpTo(key, () => port); await exchange(await request("/echo", "hi"));
 */
export function rawHttpTo(key: SigningKey, port: () => number) {
  return {
    request: (path: string, body: string, options?: Parameters<typeof signedRawRequest>[3]) =>
      signedRawRequest(key, path, body, options),
    connection: () => rawConnection(port()),
    exchange: (bytes: string) => rawExchange(port(), bytes),
  };
}
