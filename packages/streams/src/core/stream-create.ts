import { randomBytes } from "node:crypto";
import { DEFAULT_CONTENT_TYPE } from "../protocol.ts";
import { asBuffer } from "./as-buffer.ts";
import { planFork } from "./fork-plan.ts";
import { encodeJsonAppend } from "./json-mode.ts";
import type { LogBackend, PendingWrite, StreamMeta } from "./log-backend.ts";
import { emptyLogState } from "./log-state.ts";
import { mediaType } from "./media-type.ts";
import type { RecordReader } from "./record-reader.ts";
import { oversized } from "./stored-size.ts";
import type { StreamLifecycle } from "./stream-lifecycle.ts";
import { StreamState } from "./stream-state.ts";
import type { CreateInput, CreateResult, StoreFailure } from "./stream-store.ts";

/** Random internal stream id: time-ordered prefix, 48 random bits. */
export function newStreamId(now: number): string {
  return `${now.toString(36).padStart(9, "0")}${randomBytes(6).toString("hex")}`;
}

/** What creating a stream needs from the store core. */
export interface CreatorDeps {
  streams: Map<string, StreamState>;
  lifecycle: StreamLifecycle;
  backend: LogBackend;
  readRecords: RecordReader;
  now: () => number;
}

/**
 * PUT semantics (PROTOCOL §5.1): create a stream — plain or as a fork — with
 * its initial content durably, or confirm an identical existing one. The new
 * stream is registered before the first await, so concurrent requests for the
 * name wait for it instead of racing it.
 *
 * @example
 * const create = createStreamCreator(deps);
 * await create("s", { contentType: "text/plain", closed: false, body: Buffer.alloc(0) });
 */
export function createStreamCreator(
  deps: CreatorDeps,
): (name: string, input: CreateInput) => Promise<CreateResult> {
  const { streams, lifecycle, backend, readRecords, now } = deps;
  const { lookup } = lifecycle;

  function sameConfig(stream: StreamState, input: CreateInput): boolean {
    const requested = stream.meta.requested;
    const wantedType =
      input.contentType ?? (input.fork ? stream.meta.contentType : DEFAULT_CONTENT_TYPE);
    const sameExpiry =
      input.expiresAt === requested.expiresAt ||
      (input.expiresAt !== undefined &&
        requested.expiresAt !== undefined &&
        Date.parse(input.expiresAt) === Date.parse(requested.expiresAt));
    return (
      mediaType(wantedType) === mediaType(stream.meta.contentType) &&
      input.ttlSeconds === requested.ttlSeconds &&
      sameExpiry &&
      input.closed === requested.closed &&
      input.fork?.from === requested.forkedFrom &&
      (input.fork?.offset === undefined || input.fork.offset === requested.forkOffset) &&
      (input.fork?.subOffset ?? 0) === (requested.forkSubOffset ?? 0)
    );
  }

  return async function create(name: string, input: CreateInput): Promise<CreateResult> {
    // Wait out creates in flight for either name; nothing below awaits until
    // the new stream is registered, so two PUTs cannot both create it.
    while (streams.get(name)?.creating || (input.fork && streams.get(input.fork.from)?.creating)) {
      await lifecycle.settled(name);
      if (input.fork) await lifecycle.settled(input.fork.from);
    }
    const existing = lookup(name);
    if (existing) {
      if (existing.meta.softDeleted) return { ok: false, reason: "path_in_use" };
      if (!sameConfig(existing, input)) return { ok: false, reason: "config_mismatch" };
      return { ok: true, created: false, info: existing.info() };
    }
    let source: StreamState | undefined;
    if (input.fork) {
      source = lookup(input.fork.from);
      if (!source) return { ok: false, reason: "source_not_found" };
      if (source.meta.softDeleted) return { ok: false, reason: "source_gone" };
      if (
        input.contentType !== undefined &&
        mediaType(input.contentType) !== mediaType(source.meta.contentType)
      ) {
        return { ok: false, reason: "content_type_mismatch" };
      }
    }
    const createdAt = now();
    const inheritsExpiry =
      source && input.ttlSeconds === undefined && input.expiresAt === undefined;
    const meta: StreamMeta = {
      id: newStreamId(createdAt),
      name,
      contentType: input.contentType ?? source?.meta.contentType ?? DEFAULT_CONTENT_TYPE,
      createdAt,
      ttlSeconds: inheritsExpiry ? source?.meta.ttlSeconds : input.ttlSeconds,
      expiresAt: inheritsExpiry ? source?.meta.expiresAt : input.expiresAt,
      forkedFrom: source ? input.fork?.from : undefined,
      forkedFromId: source?.meta.id,
      requested: {
        ttlSeconds: input.ttlSeconds,
        expiresAt: input.expiresAt,
        closed: input.closed,
        forkedFrom: input.fork?.from,
        forkSubOffset: input.fork?.subOffset,
      },
      softDeleted: false,
    };
    const stream = new StreamState(meta, createdAt);
    // Registered before any await: concurrent requests for this name wait for
    // `creating`, and the source's reference count protects it meanwhile.
    let finish: () => void = () => {};
    stream.creating = new Promise((resolve) => {
      finish = resolve;
    });
    streams.set(name, stream);
    if (source) source.refCount++;
    const abandon = (failure: StoreFailure): StoreFailure => {
      streams.delete(name);
      if (source) lifecycle.release(stream);
      return failure;
    };
    try {
      const own: PendingWrite[] = [];
      let end = 0;
      let inherited: (() => AsyncIterable<PendingWrite[]>) | undefined;
      if (source && input.fork) {
        const plan = await planFork(source, input.fork, readRecords);
        if (!plan.ok) return abandon(plan);
        meta.requested.forkOffset = plan.offset;
        inherited = plan.inherited;
        end = plan.offset;
        stream.withdrawn = source.withdrawn.filter((range) => range.to <= plan.offset);
        if (plan.prefix) {
          end += plan.prefix.length;
          own.push({ data: plan.prefix, end, close: false });
        }
      }
      if (input.body.length > 0) {
        const encoded = stream.json
          ? encodeJsonAppend(input.body, { allowEmptyArray: true })
          : { ok: true as const, data: asBuffer(input.body) };
        if (!encoded.ok) return abandon({ ok: false, reason: encoded.reason });
        const tooLarge = oversized(encoded.data);
        if (tooLarge) return abandon(tooLarge);
        if (encoded.data) {
          end += encoded.data.length;
          own.push({ data: encoded.data, end, close: false });
        }
      }
      if (input.closed) own.push({ data: null, end, close: true });
      async function* content(): AsyncIterable<PendingWrite[]> {
        if (inherited) yield* inherited();
        if (own.length > 0) yield own;
      }
      try {
        await backend.create(meta, content());
      } catch (error) {
        return abandon({ ok: false, reason: "storage_failed", message: String(error) });
      }
      stream.reset(end, { ...emptyLogState(), closed: input.closed });
      return { ok: true, created: true, info: stream.info() };
    } catch (error) {
      // Unexpected (a bug, a fork source that cannot be read): the name must not be left to a
      // stream that was never created, answering every append 500 until a restart.
      abandon({ ok: false, reason: "storage_failed", message: String(error) });
      throw error;
    } finally {
      stream.creating = null;
      finish();
    }
  };
}
