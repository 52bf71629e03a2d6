import type { IncomingMessage } from "node:http";
import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";
import type { BodyBudget } from "./body-budget.ts";

/** What {@link readRequestBody} read, or why it stopped. */
export type BodyRead =
  /** `reserved` bytes stay taken from the budget until the caller releases them. */
  | { ok: true; bytes: Uint8Array; reserved: number }
  /**
   * `too_large`: over `limit`; `busy`: over the shared budget; `aborted`: the client left;
   * `late`: still unfinished at `deadlineMs`.
   */
  | { ok: false; reason: "too_large" | "busy" | "aborted" | "late" };

/** Whether a request carries a body, and its announced length when it does. */
export type DeclaredBody = { kind: "none" } | { kind: "body"; length: number | undefined };

/**
 * Reads a request's framing without touching its body: under `@hono/node-server` from Node's
 * parsed headers (Content-Length, or Transfer-Encoding for chunked), otherwise from the web
 * `Request` (any non-null body counts, whatever its headers claim). GET and HEAD never have one.
 *
 * @example if (declaredBody(c).kind === "none") return next();
 */
export function declaredBody(c: Context): DeclaredBody {
  if (c.req.method === "GET" || c.req.method === "HEAD") return { kind: "none" };
  const incoming = nodeIncoming(c);
  if (incoming) {
    const length = incoming.headers["content-length"];
    // Node's parser frames the body by these headers, and refuses requests carrying both.
    if (length !== undefined) {
      const bytes = Number(length);
      return bytes > 0 ? { kind: "body", length: bytes } : { kind: "none" };
    }
    return incoming.headers["transfer-encoding"] !== undefined
      ? { kind: "body", length: undefined }
      : { kind: "none" };
  }
  if (c.req.raw.body === null) return { kind: "none" };
  const length = c.req.raw.headers.get("content-length");
  return { kind: "body", length: length === null ? undefined : Number(length) };
}

/**
 * Reads the body once into one buffer of exactly its size (one copy from the socket's
 * chunks), stopping as soon as it exceeds `limit` or the shared `budget`. Under
 * `@hono/node-server` it reads Node's request directly: a body that came in the headers'
 * packet (any small one with a Content-Length) is taken synchronously from the stream's buffer
 * one microtask later, with neither events nor a timer; a larger, slower or chunked one through
 * `data` events until `deadlineMs`. An unread rest is drained (or the connection closed) by the server after the
 * response, so nothing more is held.
 *
 * @example
 * const read = await readRequestBody(c, { declared: declaredBody(c), limit: 16 << 20, budget });
 * if (read.ok) try { use(read.bytes) } finally { budget.release(read.reserved) }
 */
export async function readRequestBody(
  c: Context,
  options: {
    declared: DeclaredBody;
    limit: number;
    budget: BodyBudget;
    /** Epoch ms after which the read stops (`late`), e.g. when the token can no longer verify. */
    deadlineMs?: number;
    now?: () => number;
  },
): Promise<BodyRead> {
  const { declared, limit, budget } = options;
  if (declared.kind === "none") return { ok: true, bytes: new Uint8Array(0), reserved: 0 };
  const announced = declared.length;
  if (announced !== undefined && announced > limit) return { ok: false, reason: "too_large" };
  // An announced length is reserved up front: a sender who stalls after the headers still
  // holds its share, so the budget bounds what a burst of such requests could grow to.
  if (announced !== undefined && !budget.reserve(announced)) return { ok: false, reason: "busy" };
  let reserved = announced ?? 0;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const take: Take = (chunk) => {
    size += chunk.byteLength;
    if (size > limit) return "too_large";
    if (size > reserved) {
      if (!budget.reserve(size - reserved)) return "busy";
      reserved = size;
    }
    chunks.push(chunk);
    return null;
  };
  const incoming = nodeIncoming(c);
  let outcome: Outcome;
  if (incoming) {
    // The middleware runs while Node is still parsing the request's packet (from its headers'
    // callback). One microtask later the parser has pushed the body bytes that came with the
    // headers: a Content-Length body is whole once that many bytes are buffered. (`complete`
    // is set only when the message ends, after a turn of the event loop: ~15–40 µs later.)
    if (!incoming.complete) await Promise.resolve();
    if (incoming.complete || (announced !== undefined && incoming.readableLength >= announced)) {
      outcome = readBuffered(incoming, take);
      // Nothing more can come for this message; flowing, the stream ends by itself once Node
      // parses its end. Left paused, it would not, and the server would treat the body as
      // unread after the response (timers and a drain per request).
      if (!incoming.complete) incoming.resume();
    } else {
      outcome = await withDeadline(options, (late) => readNode(incoming, take, late));
    }
  } else {
    outcome = await withDeadline(options, (late) => readWeb(c.req.raw, take, late));
  }
  if (outcome !== "end" || (announced !== undefined && size !== announced)) {
    budget.release(reserved);
    return { ok: false, reason: outcome === "end" ? "aborted" : outcome };
  }
  return { ok: true, bytes: concat(chunks, size), reserved };
}

type Take = (chunk: Uint8Array) => "too_large" | "busy" | null;
type Outcome = "end" | "too_large" | "busy" | "aborted" | "late";

/** Everything the request has buffered, synchronously (no events, no timer). */
function readBuffered(incoming: IncomingMessage, take: Take): Outcome {
  for (let chunk = incoming.read() as Buffer | null; chunk !== null; chunk = incoming.read()) {
    const stop = take(chunk);
    if (stop) return stop;
  }
  return "end";
}

/** Runs `read` with an AbortSignal that fires at `deadlineMs` (a stalled sender's cut-off). */
async function withDeadline(
  options: { deadlineMs?: number; now?: () => number },
  read: (late: AbortSignal) => Promise<Outcome>,
): Promise<Outcome> {
  const late = new AbortController();
  const wait = Math.max(
    0,
    (options.deadlineMs ?? Number.POSITIVE_INFINITY) - (options.now ?? Date.now)(),
  );
  // A sender that stalls mid-body holds its reservation only as long as its token lives.
  const timer = Number.isFinite(wait) ? setTimeout(() => late.abort(), wait) : undefined;
  try {
    return await read(late.signal);
  } finally {
    clearTimeout(timer);
  }
}

function readNode(incoming: IncomingMessage, take: Take, late: AbortSignal): Promise<Outcome> {
  return new Promise((resolve) => {
    const finish = (outcome: Outcome) => {
      late.removeEventListener("abort", onLate);
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("close", onClose);
      incoming.off("error", onClose);
      // Stop pulling bytes in; after the response the server drains or closes the rest.
      if (outcome !== "end") incoming.pause();
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      const stop = take(chunk);
      if (stop) finish(stop);
    };
    const onEnd = () => finish("end");
    const onClose = () => finish("aborted");
    const onLate = () => finish("late");
    // Gone while this read waited for its turn: its 'close' has fired already and will not again,
    // so without this check the reservation would be held until the deadline.
    if (incoming.destroyed || incoming.readableAborted) return resolve("aborted");
    late.addEventListener("abort", onLate, { once: true });
    incoming.on("data", onData);
    incoming.once("end", onEnd);
    incoming.once("close", onClose);
    incoming.once("error", onClose);
  });
}

async function readWeb(request: Request, take: Take, late: AbortSignal): Promise<Outcome> {
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  const onLate = () => void reader.cancel().catch(() => {});
  late.addEventListener("abort", onLate, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (late.aborted) return "late";
      if (done) return "end";
      const stop = take(value);
      if (stop) {
        await reader.cancel().catch(() => {});
        return stop;
      }
    }
  } catch {
    return late.aborted ? "late" : "aborted";
  } finally {
    late.removeEventListener("abort", onLate);
  }
}

/** The body in one buffer: a lone chunk as it came, more than one copied together. */
function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * Node's request under `@hono/node-server` while its body is still unread, else undefined
 * (`app.request()` in tests, or a body someone already consumed).
 */
export function nodeIncoming(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  return incoming && typeof incoming.on === "function" && !incoming.readableDidRead
    ? incoming
    : undefined;
}
