import { nodeSegmentFs, type SegmentFs } from "../../src/index.ts";

type Operation = "open" | "write" | "datasync" | "truncate";

/** An error as `node:fs` throws it. */
export function fsError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code });
}

/**
 * The real segment file operations with failures injected on demand: `fail`
 * makes the next call of an operation throw, `hold` parks the next fdatasync
 * until the test releases it (with success or an error), so a test can act
 * while a batch is written but not yet durable.
 *
 * @example
 * const faulty = faultyFs();
 * faulty.fail("open", "EMFILE");
 * const store = await createFileStreamStore({ dir, segmentFs: faulty.fs });
 */
export function faultyFs() {
  const failures: Record<Operation, string[]> = { open: [], write: [], datasync: [], truncate: [] };
  const held: { release: (error?: Error) => void }[] = [];
  let holdNext = 0;
  let heldWaiters: (() => void)[] = [];
  /** What the store did, in order: `write`, `datasync:start`, `datasync:end`. */
  const events: string[] = [];

  const take = (operation: Operation) => {
    const code = failures[operation].shift();
    if (code) throw fsError(code);
  };
  const fs: SegmentFs = {
    ...nodeSegmentFs,
    open(path) {
      take("open");
      return nodeSegmentFs.open(path);
    },
    write(fd, data, offset, length, position) {
      take("write");
      events.push("write");
      return nodeSegmentFs.write(fd, data, offset, length, position);
    },
    truncate(fd, length) {
      take("truncate");
      nodeSegmentFs.truncate(fd, length);
    },
    async datasync(fd) {
      events.push("datasync:start");
      if (holdNext > 0) {
        holdNext--;
        const outcome = await new Promise<Error | undefined>((resolve) => {
          held.push({ release: resolve });
          for (const wake of heldWaiters) wake();
          heldWaiters = [];
        });
        if (outcome) throw outcome;
      }
      take("datasync");
      await nodeSegmentFs.datasync(fd);
      events.push("datasync:end");
    },
  };
  return {
    fs,
    events,
    /** How many fdatasyncs were started. */
    datasyncs: () => events.filter((event) => event === "datasync:start").length,
    /** The next `operation` throws an error with `code`. */
    fail(operation: Operation, code: string) {
      failures[operation].push(code);
    },
    /** The next fdatasync waits for `release()`. */
    hold() {
      holdNext++;
    },
    /** Resolves once a held fdatasync is waiting, with its release. */
    async held(): Promise<(error?: Error) => void> {
      while (held.length === 0) await new Promise<void>((resolve) => heldWaiters.push(resolve));
      return (held.shift() as { release: (error?: Error) => void }).release;
    },
  };
}
