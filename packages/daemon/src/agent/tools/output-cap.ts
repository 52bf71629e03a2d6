/** What the model sees of one tool's output at most (16 KiB), unless a tool says otherwise. */
export const DEFAULT_OUTPUT_CAP_BYTES = 16 * 1024;

/**
 * Caps text for the model, keeping the head and the tail (errors and summaries are usually at
 * the end of a command's output) and saying visibly what was cut, so the model knows the output
 * is incomplete and can ask for the rest (e.g. `read_file` with an offset, or `| tail`).
 *
 * @example
 * capOutput("x".repeat(100_000), 16_384);
 * // "xxx…\n[… 83616 bytes omitted: output capped at 16384 bytes …]\n…xxx"
 */
export function capOutput(
  text: string,
  capBytes = DEFAULT_OUTPUT_CAP_BYTES,
  /** Bytes cut from the middle of `text` already (counted in what it says was omitted). */
  droppedBytes = 0,
): string {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes <= capBytes) return text;
  const buffer = Buffer.from(text, "utf8");
  const half = Math.floor(capBytes / 2);
  // Cut on character boundaries: toString drops a split code point's bytes as U+FFFD otherwise.
  const head = buffer
    .subarray(0, half)
    .toString("utf8")
    .replace(/\uFFFD+$/, "");
  const tail = buffer
    .subarray(bytes - half)
    .toString("utf8")
    .replace(/^\uFFFD+/, "");
  const omitted = bytes - Buffer.byteLength(head) - Buffer.byteLength(tail) + droppedBytes;
  return `${head}\n[… ${omitted} bytes omitted: output capped at ${capBytes} bytes …]\n${tail}`;
}

/**
 * A byte-capped collector for a streaming output (a child's stdout and stderr): keeps the first
 * and last `capBytes / 2` bytes as they arrive, so memory stays bounded however much a command
 * prints. With `scrub`, what is shown is scrubbed before it is cut: each end is kept `margin`
 * bytes longer (the longest form a scrub looks for), scrubbed, then cut to size, so no cut shows
 * the part of a secret that went through it.
 *
 * @example
 * const out = createOutputCollector(16_384, commandOutputScrubber(env));
 * child.stdout.on("data", out.push);
 * out.text(); // capped, scrubbed, with the omission note
 */
export function createOutputCollector(
  capBytes = DEFAULT_OUTPUT_CAP_BYTES,
  scrubbing: { scrub(text: string): string; margin: number } = { scrub: (t) => t, margin: 0 },
) {
  const half = Math.floor(capBytes / 2);
  const keep = half + scrubbing.margin;
  let head = Buffer.alloc(0);
  let tail = Buffer.alloc(0);
  let total = 0;
  return {
    push(chunk: Buffer) {
      total += chunk.length;
      if (head.length < keep) {
        const take = Math.min(keep - head.length, chunk.length);
        head = Buffer.concat([head, chunk.subarray(0, take)]);
        chunk = chunk.subarray(take);
      }
      if (chunk.length > 0) {
        tail = Buffer.concat([tail, chunk]);
        if (tail.length > keep) tail = tail.subarray(tail.length - keep);
      }
    },
    /** Bytes received so far. */
    get total() {
      return total;
    },
    text(): string {
      const kept = head.length + tail.length;
      if (kept === total) {
        return capOutput(scrubbing.scrub(Buffer.concat([head, tail]).toString("utf8")), capBytes);
      }
      // A secret the cut went through is left, in part, at the cut end of each scrubbed piece,
      // within `margin` characters of it: those are dropped before cutting to size.
      const { margin } = scrubbing;
      const scrubbedHead = scrubbing.scrub(head.toString("utf8"));
      const scrubbedTail = scrubbing.scrub(tail.toString("utf8"));
      const shownHead = Buffer.from(scrubbedHead.slice(0, scrubbedHead.length - margin))
        .subarray(0, half)
        .toString("utf8")
        .replace(/\uFFFD+$/, "");
      const tailBytes = Buffer.from(scrubbedTail.slice(margin));
      const shownTail = tailBytes
        .subarray(Math.max(0, tailBytes.length - half))
        .toString("utf8")
        .replace(/^\uFFFD+/, "");
      const omitted = total - Buffer.byteLength(shownHead) - Buffer.byteLength(shownTail);
      return (
        `${shownHead}\n` +
        `[… ${omitted} bytes omitted: output capped at ${capBytes} bytes …]\n` +
        shownTail
      );
    },
  };
}
