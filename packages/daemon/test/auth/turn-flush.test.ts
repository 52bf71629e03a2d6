import { describe, expect, it } from "vitest";
import { createTurnFlush } from "../../src/auth/turn-flush.ts";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("createTurnFlush: when claimed jtis reach the replay log", () => {
  it("writes the first request of a turn at once, and the rest of the turn in one write", async () => {
    let writes = 0;
    const flushed = createTurnFlush(() => {
      writes++;
    });
    expect(flushed()).toBeUndefined();
    expect(writes).toBe(1);
    const later = [flushed(), flushed(), flushed()];
    expect(later.every((p) => p instanceof Promise)).toBe(true);
    expect(writes).toBe(1);
    await Promise.all(later);
    expect(writes).toBe(2);
    // A new turn: its first request is written at once again.
    await nextTurn();
    expect(flushed()).toBeUndefined();
    expect(writes).toBe(3);
  });

  it("fails every request of a batch whose write fails, and writes the next turn anew", async () => {
    let failing = false;
    let writes = 0;
    const flushed = createTurnFlush(() => {
      writes++;
      if (failing) throw new Error("disk full");
    });
    flushed();
    failing = true;
    const batch = [flushed(), flushed()];
    await expect(Promise.all(batch)).rejects.toThrow("disk full");
    await Promise.allSettled(batch).then((settled) =>
      expect(settled.map((s) => s.status)).toEqual(["rejected", "rejected"]),
    );
    await nextTurn();
    // The first request of a turn gets the write's error itself (it fails closed).
    expect(() => flushed()).toThrow("disk full");
    failing = false;
    await nextTurn();
    expect(flushed()).toBeUndefined();
    expect(writes).toBe(4);
  });
});
