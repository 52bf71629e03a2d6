import type { StoreFailure } from "../core/stream-store.ts";
import {
  PRODUCER_EPOCH,
  PRODUCER_EXPECTED_SEQ,
  PRODUCER_RECEIVED_SEQ,
  STREAM_CLOSED,
  STREAM_NEXT_OFFSET,
} from "../protocol.ts";
import { formatOffset } from "./offsets.ts";
import { errorResponse } from "./responses.ts";

/** The one mapping from store failures to HTTP (statuses per PROTOCOL §5). */
export function failureResponse(failure: StoreFailure): Response {
  switch (failure.reason) {
    case "not_found":
      return errorResponse(404, "not_found", "stream not found");
    case "gone":
      return errorResponse(410, "gone", "stream was deleted; forks of it still exist");
    case "path_in_use":
      return errorResponse(
        409,
        "conflict",
        "name belongs to a deleted stream that forks still reference",
      );
    case "config_mismatch":
      return errorResponse(409, "conflict", "stream exists with a different configuration");
    case "source_not_found":
      return errorResponse(404, "not_found", "fork source not found");
    case "source_gone":
      return errorResponse(409, "conflict", "fork source was deleted");
    case "content_type_mismatch":
      return errorResponse(409, "conflict", "content type does not match the stream's");
    case "invalid_fork_offset":
      return errorResponse(
        400,
        "bad_request",
        "fork offset is not a position in the source stream",
      );
    case "invalid_sub_offset":
      return errorResponse(400, "bad_request", "fork sub-offset exceeds the source append");
    case "invalid_json":
      return errorResponse(400, "invalid_json", "body is not valid JSON");
    case "empty_json_array":
      return errorResponse(400, "bad_request", "empty JSON array appends nothing");
    case "too_large":
      return errorResponse(
        413,
        "payload_too_large",
        `the append is ${failure.size} bytes as stored (JSON is re-serialized); at most ${failure.limit}`,
      );
    case "seq_conflict":
      return errorResponse(409, "conflict", "Stream-Seq must increase");
    case "stream_closed":
      return errorResponse(409, "conflict", "stream is closed", {
        [STREAM_CLOSED]: "true",
        [STREAM_NEXT_OFFSET]: formatOffset(failure.tail),
      });
    case "stale_epoch":
      return errorResponse(403, "forbidden", "stale producer epoch", {
        [PRODUCER_EPOCH]: String(failure.currentEpoch),
      });
    case "invalid_epoch_seq":
      return errorResponse(400, "bad_request", "a new producer epoch must start at Producer-Seq 0");
    case "sequence_gap":
      return errorResponse(409, "conflict", "producer sequence gap", {
        [PRODUCER_EXPECTED_SEQ]: String(failure.expected),
        [PRODUCER_RECEIVED_SEQ]: String(failure.received),
      });
    case "offset_out_of_range":
      return errorResponse(400, "bad_request", "offset is not a position in this stream");
    case "withdrawn":
      // The reader holds an offset into data it was shown before its write
      // failed: it must drop what it read past Stream-Next-Offset and resume there.
      return errorResponse(
        409,
        "conflict",
        "data at this offset was withdrawn after a storage failure; discard what was read past Stream-Next-Offset and resume there",
        { [STREAM_NEXT_OFFSET]: formatOffset(failure.resumeAt) },
      );
    case "storage_failed":
      return errorResponse(500, "internal_error", "the stream could not be written");
  }
}
