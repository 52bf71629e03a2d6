import type { Stream } from "node:stream";

/** Bytes of a server's stderr kept to explain why it failed. */
const TAIL_BYTES = 2048;
/** Characters of it shown. */
const SHOWN_CHARS = 500;

/** The last lines a stdio server wrote to stderr. */
export interface StderrTail {
  attach(stream: Stream | null): void;
  /** `": <last lines>"`, or "" when it wrote nothing. */
  describe(): string;
}

/**
 * Keeps the end of a stdio server's stderr: a server that cannot start usually says why there
 * ("Error: LINEAR_TOKEN is not set"), and that is what the dashboard and the session show.
 *
 * Secrets are scrubbed before anything is cut: a cut through a secret would leave a piece of it
 * that no longer matches. For the same reason a line the kept tail starts inside is dropped.
 *
 * @example const tail = stderrTail(spec.scrub); tail.attach(transport.stderr); … fail(`exited${tail.describe()}`)
 */
export function stderrTail(scrub: (text: string) => string = (text) => text): StderrTail {
  let tail = "";
  let cut = false;
  return {
    attach(stream) {
      stream?.on("data", (chunk: Buffer | string) => {
        tail += chunk.toString();
        if (tail.length > TAIL_BYTES) {
          tail = tail.slice(-TAIL_BYTES);
          cut = true;
        }
      });
    },
    describe() {
      const newline = tail.indexOf("\n");
      const whole = !cut ? tail : newline === -1 ? "" : tail.slice(newline + 1);
      const lines = scrub(whole).trim().split("\n").slice(-5).join(" / ").trim();
      return lines ? `: ${lines.slice(-SHOWN_CHARS)}` : "";
    },
  };
}
