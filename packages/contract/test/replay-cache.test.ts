import { describe, expect, it } from "vitest";
import { createReplayCache } from "../src/index.ts";

describe("replay cache", () => {
  it("accepts a jti once and refuses it until it expires", () => {
    const cache = createReplayCache();
    expect(cache.claim("a", 2_000, 1_000)).toBe(true);
    expect(cache.claim("a", 2_000, 1_500)).toBe(false);
    expect(cache.claim("b", 2_000, 1_500)).toBe(true);
    expect(cache.size).toBe(2);
  });

  it("forgets entries once expired", () => {
    const cache = createReplayCache();
    for (let i = 0; i < 100; i++) cache.claim(`old-${i}`, 5_000, 1_000);
    expect(cache.size).toBe(100);
    cache.claim("new", 70_000, 5_000);
    expect(cache.size).toBe(1);
  });

  it("never holds more than maxEntries", () => {
    const cache = createReplayCache({ maxEntries: 10 });
    for (let i = 0; i < 100; i++) expect(cache.claim(`j${i}`, 60_000 + i, 1_000)).toBe(true);
    expect(cache.size).toBe(10);
  });

  it("fails closed under pressure: a token that may have been evicted counts as replayed", () => {
    const cache = createReplayCache({ maxEntries: 2 });
    expect(cache.claim("a", 10_000, 0)).toBe(true);
    expect(cache.claim("b", 20_000, 0)).toBe(true);
    expect(cache.claim("c", 30_000, 0)).toBe(true); // evicts "a" while it is still live
    expect(cache.claim("a", 10_000, 1)).toBe(false);
    expect(cache.claim("fresh-early", 9_000, 1)).toBe(false);
    expect(cache.claim("fresh-late", 31_000, 1)).toBe(true);
  });

  it("makes room by dropping expired entries before evicting live ones", () => {
    const cache = createReplayCache({ maxEntries: 2 });
    cache.claim("live", 100_000, 0);
    cache.claim("short", 1_000, 0);
    expect(cache.claim("next", 100_000, 2_000)).toBe(true);
    // "live" was kept: nothing live was evicted, so no floor was raised.
    expect(cache.claim("live", 100_000, 2_000)).toBe(false);
    // Full of live entries: "live" is evicted, and everything expiring by then is refused.
    expect(cache.claim("other", 50_000, 2_000)).toBe(true);
    expect(cache.claim("live", 100_000, 2_000)).toBe(false);
    expect(cache.claim("unseen", 60_000, 2_000)).toBe(false);
  });
});
