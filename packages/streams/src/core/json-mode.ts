/**
 * JSON mode (PROTOCOL §7.1). A stream whose content type is `application/json`
 * keeps message boundaries: each append stores its messages as compact JSON
 * values each followed by `,` (so stored bytes concatenate), a top-level array
 * body is flattened one level, and reads wrap the stored bytes in `[...]`.
 */

const decoder = new TextDecoder("utf-8", { fatal: true });
const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]

/** Result of validating one JSON-mode body. */
export type JsonEncodeResult =
  | { ok: true; data: Buffer | null }
  | { ok: false; reason: "invalid_json" | "empty_json_array" };

/** Serialized message; a value nested too deep for `JSON.stringify` (RangeError) is invalid. */
function stringify(value: unknown): string | null {
  try {
    return JSON.stringify(value);
  } catch {
    return null;
  }
}

/**
 * Validates and normalizes a JSON-mode body into stored form. `data` is null
 * for `[]` when `allowEmptyArray` (a PUT creating an empty stream).
 *
 * @example
 * encodeJsonAppend(Buffer.from('[{"a":1},{"b":2}]'), { allowEmptyArray: false });
 * // { ok: true, data: <'{"a":1},{"b":2},'> }
 */
export function encodeJsonAppend(
  body: Uint8Array,
  options: { allowEmptyArray: boolean },
): JsonEncodeResult {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(body));
  } catch {
    return { ok: false, reason: "invalid_json" };
  }
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) {
    return options.allowEmptyArray
      ? { ok: true, data: null }
      : { ok: false, reason: "empty_json_array" };
  }
  let text = "";
  for (const item of items) {
    const json = stringify(item);
    if (json === null) return { ok: false, reason: "invalid_json" };
    text += `${json},`;
  }
  return { ok: true, data: Buffer.from(text) };
}

/**
 * Builds a JSON array body from stored chunks without re-parsing them: `[`,
 * the chunks, and the last chunk's trailing `,` replaced by `]`.
 *
 * @example
 * jsonArrayBody([Buffer.from("1,"), Buffer.from("2,")]).toString(); // "[1,2]"
 */
export function jsonArrayBody(chunks: readonly Uint8Array[]): Buffer {
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  if (total === 0) return Buffer.from("[]");
  const out = Buffer.allocUnsafe(total + 1);
  out[0] = OPEN;
  let at = 1;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  out[total] = CLOSE;
  return out;
}

/**
 * The first `count` messages of one stored append, in stored form; null when
 * the append holds fewer (a fork's sub-offset overshoots).
 *
 * @example
 * takeJsonPrefix(Buffer.from('{"a":1},{"b":2},'), 1)?.toString(); // '{"a":1},'
 */
export function takeJsonPrefix(stored: Uint8Array, count: number): Buffer | null {
  const values = JSON.parse(jsonArrayBody([stored]).toString("utf8")) as unknown[];
  if (count > values.length) return null;
  let text = "";
  for (const item of values.slice(0, count)) text += `${JSON.stringify(item)},`;
  return Buffer.from(text);
}
