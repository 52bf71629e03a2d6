/**
 * The one rule every reader of records follows (cache, backends): the first
 * record with data is always taken — so a read returns at least one message —
 * and later ones while the payloads taken total at most `maxBytes`. Gaps
 * (empty payloads) cost nothing.
 *
 * @example
 * if (!takesNext(bytes, taken > 0, size, maxBytes)) break;
 */
export function takesNext(
  bytesSoFar: number,
  hasData: boolean,
  size: number,
  maxBytes: number,
): boolean {
  return !hasData || size === 0 || bytesSoFar + size <= maxBytes;
}
