/**
 * The fetch of an MCP server reached over HTTP (mcp-client.ts): its answers are read through a
 * byte cap. A JSON answer, or one event of an event stream, past `maxBytes` fails that call in
 * words instead of growing the daemon until it dies (and every session on the machine with it);
 * a stream may otherwise run as long as it likes. Redirects stay the SDK's business: it asks for
 * them unfollowed and follows only those within the server's origin, whose headers carry the
 * instance's secrets (test/mcp/mcp-hardening.test.ts).
 *
 * @example new StreamableHTTPClientTransport(url, { requestInit: { headers }, fetch: mcpFetch() });
 */

/** Largest JSON answer, or single event of a stream, taken from an MCP server (8 MiB). */
export const MAX_MCP_RESPONSE_BYTES = 8 * 1024 * 1024;

type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** @see module comment */
export function mcpFetch(options: { maxBytes?: number; fetch?: Fetch } = {}): Fetch {
  const maxBytes = options.maxBytes ?? MAX_MCP_RESPONSE_BYTES;
  const base: Fetch = options.fetch ?? ((url, init) => fetch(url, init));
  return async (url, init) => capped(await base(url, init), maxBytes);
}

/** `res` with its body read through the cap: per event for `text/event-stream`, else in total. */
function capped(res: Response, maxBytes: number): Response {
  if (!res.body) return res;
  // The media type itself, as the SDK reads it: a parameter that merely mentions event streams
  // (`application/json; x="text/event-stream"`) must not turn the total cap into a per-event one.
  const mediaType = (res.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  const events = mediaType === "text/event-stream";
  const tooLarge = () =>
    new Error(`the server sent more than ${maxBytes} bytes in one ${events ? "event" : "answer"}`);
  let held = 0;
  let lineEmpty = true;
  let previous = 0;
  const body = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (!events) {
          held += chunk.byteLength;
          if (held > maxBytes) return controller.error(tooLarge());
          return controller.enqueue(chunk);
        }
        // An event ends at a blank line (lines end in LF, CR or CRLF): count the bytes since.
        for (const byte of chunk) {
          const crlf = byte === 0x0a && previous === 0x0d;
          previous = byte;
          if (crlf) continue;
          if (byte === 0x0a || byte === 0x0d) {
            if (lineEmpty) held = 0;
            lineEmpty = true;
          } else {
            lineEmpty = false;
            if (++held > maxBytes) return controller.error(tooLarge());
          }
        }
        controller.enqueue(chunk);
      },
    }),
  );
  return new Response(body, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
}
