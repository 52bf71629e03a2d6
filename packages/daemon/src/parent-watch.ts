import type { Readable } from "node:stream";

/** Env flag that turns the watch on: the daemon's stdin is a pipe whose write end its parent holds. */
export const EXIT_WITH_PARENT_ENV = "ITERATE_EXIT_WITH_PARENT";

/** Options of {@link watchParent}. */
export interface ParentWatchOptions {
  /** The daemon's env; the watch runs only when `ITERATE_EXIT_WITH_PARENT=1`. */
  env: Record<string, string | undefined>;
  /** Called once when the parent is gone; the CLI passes its graceful shutdown. */
  onParentGone: () => void;
  /** The pipe from the parent (default `process.stdin`). */
  stdin?: Readable;
  log?: (line: string) => void;
}

/**
 * Shuts the daemon down when the process that started it dies, however it dies. A supervisor
 * killed with SIGKILL (local-sandbox, a test runner) cannot stop its children, but the kernel
 * closes every descriptor it held: with `ITERATE_EXIT_WITH_PARENT=1` the parent gives the daemon
 * a stdin pipe and keeps the write end, so the daemon reads end-of-file exactly when the parent
 * is gone (or closes the pipe on purpose). Off by default: in a Daytona sandbox stdin means
 * nothing. Returns a function that stops watching.
 *
 * @example
 * // parent: spawn(node, [bundle], { env: { ...env, ITERATE_EXIT_WITH_PARENT: "1" }, stdio: ["pipe", "pipe", "pipe"] })
 * watchParent({ env: process.env, onParentGone: shutdown });
 */
export function watchParent(options: ParentWatchOptions): () => void {
  if (options.env[EXIT_WITH_PARENT_ENV] !== "1") return () => {};
  const stdin = options.stdin ?? process.stdin;
  const log = options.log ?? ((line: string) => console.log(line));
  let fired = false;
  const gone = () => {
    if (fired) return;
    fired = true;
    log("parent-watch: stdin closed, the parent is gone; shutting down");
    options.onParentGone();
  };
  // Data is discarded: only the end of the stream matters. An error (EPIPE, EIO) means the same.
  const discard = () => {};
  stdin.on("data", discard);
  stdin.once("end", gone);
  stdin.once("close", gone);
  stdin.once("error", gone);
  stdin.resume();
  return () => {
    fired = true;
    stdin.off("data", discard);
    stdin.off("end", gone);
    stdin.off("close", gone);
    stdin.off("error", gone);
    stdin.pause();
  };
}
