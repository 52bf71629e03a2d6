import type { ServerResponse } from "node:http";
import type { HttpBindings } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Context } from "hono";
import { headerList } from "./response-headers.ts";
import { respond } from "./responses.ts";

/**
 * How the stream routes answer. Under `@hono/node-server` the hot paths write
 * Node's response themselves (headers and body in one go) and return
 * `RESPONSE_ALREADY_SENT`, skipping the Response → ServerResponse translation;
 * elsewhere they build a web `Response`.
 */
export interface ResponseWriter {
  /** Node's response object, when there is one (SSE writes to it directly). */
  outgoing: ServerResponse | undefined;
  /** Answers a success (the static headers are added). */
  reply(status: number, headers: Record<string, string>, body?: string | Uint8Array): Response;
}

/** @example const response = responseWriter(c); return response.reply(204, headers); */
export function responseWriter(c: Context): ResponseWriter {
  const env = c.env as Partial<HttpBindings> | undefined;
  const outgoing = env?.outgoing;
  if (!outgoing || typeof env?.incoming?.on !== "function") {
    return {
      outgoing: undefined,
      reply: (status, headers, body) => respond(status, headers, body ?? null),
    };
  }
  return {
    outgoing,
    reply(status, headers, body) {
      outgoing.writeHead(status, headerList(headers));
      outgoing.end(body);
      return RESPONSE_ALREADY_SENT;
    },
  };
}
