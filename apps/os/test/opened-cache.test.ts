import { describe, expect, it } from "vitest";
import { createOpenedCache } from "../src/keys/opened-cache.ts";

describe("createOpenedCache: decrypted values per isolate", () => {
  it("opens an envelope once, and again when it changes", async () => {
    const cache = createOpenedCache<string>(10);
    let opens = 0;
    const open = (value: string) => async () => {
      opens++;
      return value;
    };
    expect(await cache.get("team", "env-1", open("a"))).toBe("a");
    expect(await cache.get("team", "env-1", open("never"))).toBe("a");
    expect(await cache.get("team", "env-2", open("b"))).toBe("b");
    expect(opens).toBe(2);
  });

  it("keeps no failed open, and a late failure never drops a newer entry", async () => {
    const cache = createOpenedCache<string>(10);
    let fail!: (error: Error) => void;
    const failing = cache.get(
      "m",
      "old",
      () => new Promise<string>((_, reject) => (fail = reject)),
    );
    // Replaced (a re-sealed envelope) before the old open fails.
    expect(await cache.get("m", "new", async () => "fresh")).toBe("fresh");
    fail(new Error("wrong key"));
    await expect(failing).rejects.toThrow("wrong key");
    expect(await cache.get("m", "new", async () => "reopened")).toBe("fresh");
    // A failure of the current entry is not kept: the next get opens again.
    await expect(
      cache.get("m", "bad", async () => Promise.reject(new Error("x"))),
    ).rejects.toThrow();
    expect(await cache.get("m", "bad", async () => "fixed")).toBe("fixed");
  });

  it("starts afresh past its bound", async () => {
    const cache = createOpenedCache<number>(2);
    let opens = 0;
    const open = async () => ++opens;
    await cache.get("a", "k", open);
    await cache.get("b", "k", open);
    await cache.get("c", "k", open); // clears a and b
    await cache.get("a", "k", open);
    expect(opens).toBe(4);
  });
});
