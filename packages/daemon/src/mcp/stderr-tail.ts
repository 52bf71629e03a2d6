import type { Stream } from "node:stream";

/** Bytes of a server's stderr kept to explain why it failed. */
const TAIL_BYTES = 2048;

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
 * @example const tail = stderrTail(); tail.attach(transport.stderr); … fail(`exited${tail.describe()}`)
 */
export function stderrTail(): StderrTail {
  let tail = "";
  return {
    attach(stream) {
      stream?.on("data", (chunk: Buffer | string) => {
        tail = (tail + chunk.toString()).slice(-TAIL_BYTES);
      });
    },
    describe() {
      const lines = tail.trim().split("\n").slice(-5).join(" / ").trim();
      return lines ? `: ${lines.slice(-500)}` : "";
    },
  };
}
