import {
  CACHE_NO_STORE,
  OFFSET_START,
  STREAM_CLOSED,
  STREAM_EXPIRES_AT,
  STREAM_NEXT_OFFSET,
  STREAM_TTL,
} from "../protocol.ts";
import { formatOffset } from "./offsets.ts";
import { respond } from "./responses.ts";
import type { RouteContext } from "./route-context.ts";

/** HEAD — metadata only; does not extend a sliding TTL (§5.4). */
export function handleHead(ctx: RouteContext, name: string): Response {
  const result = ctx.store.head(name);
  if (!result.ok)
    return respond(
      result.reason === "gone" ? 410 : result.reason === "not_found" ? 404 : 500,
      null,
    );
  const info = result.info;
  const out: Record<string, string> = {
    "content-type": info.contentType,
    [STREAM_NEXT_OFFSET]: formatOffset(info.tail),
    "cache-control": CACHE_NO_STORE,
    etag: `"${info.id}:${OFFSET_START}:${formatOffset(info.tail)}${info.closed ? ":c" : ""}"`,
  };
  if (info.closed) out[STREAM_CLOSED] = "true";
  if (info.ttlSeconds !== undefined) out[STREAM_TTL] = String(info.ttlSeconds);
  if (info.expiresAt !== undefined) out[STREAM_EXPIRES_AT] = info.expiresAt;
  return respond(200, out);
}
