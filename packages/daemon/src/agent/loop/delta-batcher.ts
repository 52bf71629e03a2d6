/**
 * Collects text deltas and emits them at most every `flushMs` (and on `flush()`): the session
 * stream gets one `text_delta` item per ~100 ms of streaming, not one per token.
 *
 * @example
 * const deltas = createDeltaBatcher(100, (text) => write({ type: "text_delta", runId, at: at(), text }));
 * deltas.add("Hel"); deltas.add("lo"); deltas.flush(); // one item: "Hello"
 */
export function createDeltaBatcher(flushMs: number, emit: (text: string) => void) {
  let buffer = "";
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (buffer === "") return;
    const text = buffer;
    buffer = "";
    emit(text);
  };
  return {
    add(text: string) {
      buffer += text;
      timer ??= setTimeout(flush, flushMs);
    },
    flush,
  };
}
