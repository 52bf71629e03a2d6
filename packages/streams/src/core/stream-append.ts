import { asBuffer } from "./as-buffer.ts";
import type { Committer } from "./group-commit.ts";
import { encodeJsonAppend } from "./json-mode.ts";
import type { PendingWrite } from "./log-backend.ts";
import { rememberProducer } from "./log-state.ts";
import { mediaType } from "./media-type.ts";
import { checkProducer, durableDuplicateSeq, producerFailure } from "./producers.ts";
import { oversized } from "./stored-size.ts";
import type { StreamLifecycle } from "./stream-lifecycle.ts";
import type { AppendInput, AppendResult } from "./stream-store.ts";

/**
 * POST semantics (PROTOCOL §5.2, §5.2.1): validate an append against the
 * stream's accepted state, record it as accepted, and resolve once its group
 * commit is durable. Everything between validating and recording is
 * synchronous, which is what serializes appends per stream and per producer
 * (§5.2.1 "Concurrency Requirements") without locks.
 *
 * A producer's retry of a batch is a duplicate only once that batch is durable:
 * a retry that arrives while the original is still in its group commit waits
 * for it and is then validated again — acknowledged if the original succeeded,
 * accepted as new if it failed (its state was rolled back).
 *
 * @example
 * const append = createStreamAppender({ lifecycle, committer });
 * await append("s", { contentType: "text/plain", body: Buffer.from("hi"), close: false });
 */
export function createStreamAppender(deps: {
  lifecycle: StreamLifecycle;
  committer: Committer;
}): (name: string, input: AppendInput) => Promise<AppendResult> {
  const { lifecycle, committer } = deps;

  return async function append(name: string, input: AppendInput): Promise<AppendResult> {
    const closeOnly = input.body.length === 0;
    const producer = input.producer;
    for (;;) {
      const stream = await lifecycle.live(name);
      if (!("meta" in stream)) return stream;
      lifecycle.touch(stream);
      if (!closeOnly && mediaType(input.contentType ?? "") !== mediaType(stream.meta.contentType)) {
        return { ok: false, reason: "content_type_mismatch" };
      }
      const check = producer ? checkProducer(stream.producers, producer) : undefined;
      if (producer && check && check.status !== "accepted") {
        if (check.status !== "duplicate") return producerFailure(check);
        // Named by the highest durable seq: later accepted ones may still be in their commit.
        const durableSeq = durableDuplicateSeq(stream.durable.producers, producer);
        if (durableSeq !== null) {
          const echo = { epoch: producer.epoch, seq: durableSeq };
          return {
            ok: true,
            duplicate: true,
            tail: stream.tail,
            closed: stream.closed,
            producer: echo,
          };
        }
        // The original is still in its group commit: its outcome decides.
        await stream.lastWrite;
        continue;
      }
      if (stream.acceptedClosed) {
        if (stream.durable.closed) {
          if (closeOnly && !producer)
            return { ok: true, duplicate: false, tail: stream.tail, closed: true };
          return { ok: false, reason: "stream_closed", tail: stream.tail };
        }
        // The close is still in its group commit (or failing): its outcome decides.
        await stream.lastWrite;
        continue;
      }
      if (!closeOnly && input.streamSeq !== undefined) {
        if (stream.lastStreamSeq !== undefined && input.streamSeq <= stream.lastStreamSeq) {
          return { ok: false, reason: "seq_conflict" };
        }
      }
      let data: Buffer | null = null;
      if (!closeOnly) {
        const encoded = stream.json
          ? encodeJsonAppend(input.body, { allowEmptyArray: false })
          : { ok: true as const, data: asBuffer(input.body) };
        if (!encoded.ok) return { ok: false, reason: encoded.reason };
        data = encoded.data;
        const tooLarge = oversized(data);
        if (tooLarge) return tooLarge;
      }
      // Accepted: from here to `enqueue` nothing awaits, so the next request
      // validates against this one.
      const end = stream.acceptedTail + (data?.length ?? 0);
      stream.acceptedTail = end;
      if (producer && check?.status === "accepted") {
        rememberProducer(stream.producers, producer.id, check.next);
      }
      if (!closeOnly && input.streamSeq !== undefined) stream.lastStreamSeq = input.streamSeq;
      if (input.close) {
        stream.acceptedClosed = true;
        stream.closedBy = producer;
      }
      const write: PendingWrite = {
        data,
        end,
        close: input.close,
        producer,
        streamSeq: closeOnly ? undefined : input.streamSeq,
      };
      const error = await committer.enqueue(stream, write);
      if (error) return { ok: false, reason: "storage_failed", message: error.message };
      const echo = producer ? { epoch: producer.epoch, seq: producer.seq } : undefined;
      return { ok: true, duplicate: false, tail: end, closed: input.close, producer: echo };
    }
  };
}
