import type { ServerResponse } from "node:http";
import { headerList } from "./response-headers.ts";

/** Where an SSE loop writes its events. */
export interface EventSink {
  /** Queues `text`; the promise (if any) settles when the client can take more. */
  send(text: string): Promise<void> | undefined;
  end(): void;
}

/**
 * Writes straight to Node's response — one write per batch of events, no web
 * stream in between — when the app runs under `@hono/node-server`. The handler
 * then answers `RESPONSE_ALREADY_SENT`.
 */
export function nodeEventSink(
  outgoing: ServerResponse,
  headers: Record<string, string>,
): EventSink {
  outgoing.writeHead(200, headerList(headers));
  return {
    send(text) {
      if (outgoing.destroyed || outgoing.write(text)) return undefined;
      return new Promise<void>((resolve) => {
        const done = () => {
          outgoing.off("drain", done);
          outgoing.off("close", done);
          resolve();
        };
        outgoing.once("drain", done);
        outgoing.once("close", done);
      });
    },
    end() {
      if (!outgoing.writableEnded) outgoing.end();
    },
  };
}

/**
 * A web `ReadableStream` body for runtimes without Node's response object
 * (`app.request()` in tests). Pull-based, so a slow client pauses the loop.
 */
export function webEventSink(onCancel: () => void): {
  sink: EventSink;
  body: ReadableStream<Uint8Array>;
} {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let resume: (() => void) | null = null;
  let closed = false;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    pull() {
      resume?.();
      resume = null;
    },
    cancel() {
      closed = true;
      resume?.();
      onCancel();
    },
  });
  const sink: EventSink = {
    send(text) {
      if (closed) return undefined;
      controller.enqueue(encoder.encode(text));
      if ((controller.desiredSize ?? 1) > 0) return undefined;
      return new Promise<void>((resolve) => {
        resume = resolve;
      });
    },
    end() {
      if (closed) return;
      closed = true;
      controller.close();
    },
  };
  return { sink, body };
}
