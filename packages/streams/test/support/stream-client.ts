/** A response with its body already read. */
export interface StreamReply {
  status: number;
  headers: Headers;
  text: string;
}

/** One request as the client is about to send it, for {@link StreamClientOptions.authorize}. */
export interface OutgoingRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  body?: string | Uint8Array;
}

export interface StreamClientOptions {
  /**
   * Extra headers per request, e.g. a signed `authorization` for a server behind
   * the daemon's `platformAuth`; none by default.
   */
  authorize?: (request: OutgoingRequest) => Promise<Record<string, string>>;
}

/**
 * A tiny Durable Streams client for tests; `base()` is re-read per request so
 * a restarted server can move.
 *
 * @example
 * const client = streamClient(() => server.url);
 * await client.send("PUT", "/agents/s", { headers: { "content-type": "application/json" } });
 */
export function streamClient(base: () => string, options: StreamClientOptions = {}) {
  const authorize = options.authorize ?? (async () => ({}));
  return {
    /** Sends one request and reads the whole body. */
    async send(
      method: string,
      path: string,
      init: { headers?: Record<string, string>; body?: string | Uint8Array } = {},
    ): Promise<StreamReply> {
      const headers = { ...init.headers, ...(await authorize({ method, path, body: init.body })) };
      const response = await fetch(`${base()}${path}`, {
        method,
        headers,
        body: init.body as BodyInit | undefined,
      });
      return { status: response.status, headers: response.headers, text: await response.text() };
    },
    /** Opens a streaming GET (SSE); the caller reads `body`. */
    async open(path: string, signal: AbortSignal): Promise<Response> {
      return fetch(`${base()}${path}`, {
        headers: await authorize({ method: "GET", path }),
        signal,
      });
    },
    /** Every JSON message of a JSON-mode stream, by catch-up reads to the tail. */
    async readAllJson(path: string): Promise<unknown[]> {
      const messages: unknown[] = [];
      let offset = "-1";
      for (;;) {
        const reply = await this.send("GET", `${path}?offset=${offset}`);
        if (reply.status !== 200) throw new Error(`read ${path}: ${reply.status} ${reply.text}`);
        messages.push(...(JSON.parse(reply.text) as unknown[]));
        offset = reply.headers.get("stream-next-offset") ?? offset;
        if (reply.headers.get("stream-up-to-date") === "true") return messages;
      }
    },
  };
}

export type StreamClient = ReturnType<typeof streamClient>;
