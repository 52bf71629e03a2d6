import type { ProducerTuple } from "../core/stream-store.ts";
import {
  CONTENT_TYPE_PATTERN,
  HEADER_TOKEN_MAX,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  PRODUCER_NUMBER_PATTERN,
  PRODUCER_SEQ,
  STREAM_CLOSED,
  STREAM_NEXT_OFFSET,
  STREAM_SEQ,
} from "../protocol.ts";
import { failureResponse } from "./failure-response.ts";
import { isTrue } from "./header-flags.ts";
import { formatOffset } from "./offsets.ts";
import type { RequestAccess } from "./request-access.ts";
import type { ResponseWriter } from "./response-writer.ts";
import { badRequest } from "./responses.ts";
import type { RouteContext } from "./route-context.ts";

/**
 * POST — append, append-and-close, or close-only (PROTOCOL §5.2, §5.2.1).
 * 204 on a plain append, 200 when a producer's batch is accepted, 204 for a
 * producer retry (duplicate); the response is sent only once the data is
 * durable. Payloads are not parsed except in JSON mode.
 *
 * @example
 * POST /agents/s  Content-Type: text/plain  Producer-Id: p  Producer-Epoch: 0  Producer-Seq: 0 → 200
 */
export async function handleAppend(
  ctx: RouteContext,
  request: RequestAccess,
  response: ResponseWriter,
  name: string,
): Promise<Response> {
  const header = request.header;
  const close = isTrue(header(STREAM_CLOSED));
  const producer = parseProducer(header);
  if (producer instanceof Response) return producer;
  const streamSeq = header(STREAM_SEQ);
  if (streamSeq !== undefined && (streamSeq.length === 0 || streamSeq.length > HEADER_TOKEN_MAX)) {
    return badRequest(`${STREAM_SEQ} must be 1–${HEADER_TOKEN_MAX} characters`);
  }
  const body = await request.body(ctx.maxAppendBytes);
  if (body instanceof Response) return body;
  const contentType = header("content-type");
  if (body.length === 0) {
    if (!close) return badRequest("empty body (send Stream-Closed: true to close)");
  } else if (contentType === undefined) {
    return badRequest("Content-Type is required");
  } else if (!CONTENT_TYPE_PATTERN.test(contentType)) {
    return badRequest("Content-Type is not a media type");
  }

  const result = await ctx.store.append(name, { contentType, body, close, streamSeq, producer });
  if (!result.ok) return failureResponse(result);
  const out: Record<string, string> = { [STREAM_NEXT_OFFSET]: formatOffset(result.tail) };
  if (result.closed) out[STREAM_CLOSED] = "true";
  if (result.producer) {
    out[PRODUCER_EPOCH] = String(result.producer.epoch);
    out[PRODUCER_SEQ] = String(result.producer.seq);
  }
  // §5.2.1: 200 = a producer's new data was written; 204 otherwise.
  const status = producer && !result.duplicate && body.length > 0 ? 200 : 204;
  return response.reply(status, out);
}

function parseProducer(
  header: (name: string) => string | undefined,
): ProducerTuple | undefined | Response {
  const id = header(PRODUCER_ID);
  const epoch = header(PRODUCER_EPOCH);
  const seq = header(PRODUCER_SEQ);
  if (id === undefined && epoch === undefined && seq === undefined) return undefined;
  if (id === undefined || epoch === undefined || seq === undefined) {
    return badRequest(`${PRODUCER_ID}, ${PRODUCER_EPOCH} and ${PRODUCER_SEQ} go together`);
  }
  if (id.length === 0 || id.length > HEADER_TOKEN_MAX) {
    return badRequest(`${PRODUCER_ID} must be 1–${HEADER_TOKEN_MAX} characters`);
  }
  const epochValue = Number(epoch);
  const seqValue = Number(seq);
  if (!PRODUCER_NUMBER_PATTERN.test(epoch) || !Number.isSafeInteger(epochValue)) {
    return badRequest(`${PRODUCER_EPOCH} must be a non-negative integer`);
  }
  if (!PRODUCER_NUMBER_PATTERN.test(seq) || !Number.isSafeInteger(seqValue)) {
    return badRequest(`${PRODUCER_SEQ} must be a non-negative integer`);
  }
  return { id, epoch: epochValue, seq: seqValue };
}
