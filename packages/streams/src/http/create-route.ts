import { tryDecodeURIComponent } from "hono/utils/url";
import { parseStreamName } from "../core/stream-names.ts";
import type { CreateInput, ForkInput } from "../core/stream-store.ts";
import {
  CONTENT_TYPE_PATTERN,
  NON_NEGATIVE_INTEGER_PATTERN,
  RFC3339_PATTERN,
  STREAM_CLOSED,
  STREAM_EXPIRES_AT,
  STREAM_FORK_OFFSET,
  STREAM_FORK_SUB_OFFSET,
  STREAM_FORKED_FROM,
  STREAM_NEXT_OFFSET,
  STREAM_TTL,
} from "../protocol.ts";
import { failureResponse } from "./failure-response.ts";
import { isTrue } from "./header-flags.ts";
import { formatOffset, parseOffset } from "./offsets.ts";
import type { RequestAccess } from "./request-access.ts";
import { badRequest, respond } from "./responses.ts";
import type { RouteContext } from "./route-context.ts";

/**
 * PUT — create a stream, or confirm an identical one (PROTOCOL §5.1): 201 with
 * `Location` when created, 200 when it already exists with the same
 * configuration, 409 otherwise. Fork headers create a fork of another stream.
 *
 * @example
 * PUT /agents/slack/T1/C1/1712.5  Content-Type: application/json  → 201
 */
export async function handleCreate(
  ctx: RouteContext,
  request: RequestAccess,
  name: string,
): Promise<Response> {
  const input = parseCreateHeaders(request.header);
  if (input instanceof Response) return input;
  const body = await request.body(ctx.maxAppendBytes);
  if (body instanceof Response) return body;
  input.body = body;

  const result = await ctx.store.create(name, input);
  if (!result.ok) return failureResponse(result);
  const info = result.info;
  const out: Record<string, string> = {
    "content-type": info.contentType,
    [STREAM_NEXT_OFFSET]: formatOffset(info.tail),
  };
  if (info.closed) out[STREAM_CLOSED] = "true";
  if (result.created) {
    const url = new URL(request.url);
    out.location = `${url.origin}${url.pathname}`;
  }
  return respond(result.created ? 201 : 200, out);
}

function parseCreateHeaders(header: (name: string) => string | undefined): CreateInput | Response {
  const contentType = header("content-type")?.trim() || undefined;
  if (contentType !== undefined && !CONTENT_TYPE_PATTERN.test(contentType)) {
    return badRequest("Content-Type is not a media type");
  }
  const ttl = header(STREAM_TTL);
  const expiresAt = header(STREAM_EXPIRES_AT);
  if (ttl !== undefined && expiresAt !== undefined)
    return badRequest("send Stream-TTL or Stream-Expires-At, not both");
  let ttlSeconds: number | undefined;
  if (ttl !== undefined) {
    ttlSeconds = Number(ttl);
    if (!NON_NEGATIVE_INTEGER_PATTERN.test(ttl) || !Number.isSafeInteger(ttlSeconds)) {
      return badRequest("Stream-TTL must be a non-negative integer");
    }
  }
  if (
    expiresAt !== undefined &&
    (!RFC3339_PATTERN.test(expiresAt) || Number.isNaN(Date.parse(expiresAt)))
  ) {
    return badRequest("Stream-Expires-At must be an RFC 3339 timestamp");
  }
  const fork = parseForkHeaders(header);
  if (fork instanceof Response) return fork;
  return {
    contentType,
    ttlSeconds,
    expiresAt,
    closed: isTrue(header(STREAM_CLOSED)),
    body: Buffer.alloc(0),
    fork,
  };
}

function parseForkHeaders(
  header: (name: string) => string | undefined,
): ForkInput | undefined | Response {
  const from = header(STREAM_FORKED_FROM);
  const offset = header(STREAM_FORK_OFFSET);
  const subOffset = header(STREAM_FORK_SUB_OFFSET);
  if (from === undefined) {
    if (offset !== undefined || subOffset !== undefined)
      return badRequest(`fork headers need ${STREAM_FORKED_FROM}`);
    return undefined;
  }
  // Percent-decoded exactly as Hono decodes the path into the stream name, so
  // a stream created as `/agents/x%25y` (named `x%y`) is forked as `/x%25y`.
  const path = from.startsWith("/") ? from.slice(1) : from;
  const source = parseStreamName(tryDecodeURIComponent(path));
  if (source === null) return badRequest(`${STREAM_FORKED_FROM} is not a stream name`);
  const fork: ForkInput = { from: source };
  if (offset !== undefined) {
    const parsed = parseOffset(offset);
    if (parsed?.kind !== "position") return badRequest(`${STREAM_FORK_OFFSET} is not an offset`);
    fork.offset = parsed.position;
  }
  if (subOffset !== undefined) {
    if (!NON_NEGATIVE_INTEGER_PATTERN.test(subOffset) || !Number.isSafeInteger(Number(subOffset))) {
      return badRequest(`${STREAM_FORK_SUB_OFFSET} must be a non-negative integer`);
    }
    fork.subOffset = Number(subOffset);
  }
  return fork;
}
