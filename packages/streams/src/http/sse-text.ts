/**
 * How many bytes at the end of `chunks` start a UTF-8 character that is not
 * complete yet (0–3): a character split between two appends. SSE text events
 * hold such bytes back until the append that completes them arrives.
 *
 * @example
 * incompleteUtf8Tail([Buffer.from([0x61, 0xe2, 0x82])]); // 2 ("a" + 2 of the 3 bytes of "€")
 * incompleteUtf8Tail([Buffer.from("a€")]); // 0
 */
export function incompleteUtf8Tail(chunks: readonly Uint8Array[]): number {
  let seen = 0;
  for (let c = chunks.length - 1; c >= 0; c--) {
    const chunk = chunks[c] as Uint8Array;
    for (let i = chunk.length - 1; i >= 0; i--) {
      const byte = chunk[i] as number;
      seen++;
      if ((byte & 0xc0) === 0x80) {
        // A continuation byte: the character starts further back (at most 3 bytes).
        if (seen === 3) return 0;
        continue;
      }
      const length = byte < 0x80 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
      return length > seen ? seen : 0;
    }
  }
  return 0;
}
