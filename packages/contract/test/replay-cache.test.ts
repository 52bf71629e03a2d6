import { describe, expect, it } from "vitest";
import { createReplayCache } from "../src/index.ts";
import { createMinHeap } from "../src/min-heap.ts";
import { fixtureToken, T0, T0_MS, verifyFixture } from "./signing-fixture.ts";
import { seededRandom } from "./support.ts";

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

  it("forgets an expired entry even when it was inserted after a longer-lived one", () => {
    const cache = createReplayCache();
    cache.claim("long", 100_000, 0);
    cache.claim("short", 1_000, 0);
    cache.claim("next", 100_000, 2_000);
    expect(cache.size).toBe(2);
    expect(cache.claim("short", 3_000, 2_000)).toBe(true);
  });

  it("never holds more than maxEntries", () => {
    const cache = createReplayCache({ maxEntries: 10 });
    for (let i = 0; i < 100; i++)
      expect(cache.claim(`j${i}`, 60_000 + i * 1_000, 1_000)).toBe(true);
    expect(cache.size).toBe(10);
  });

  it("records nothing for a jti already past its expiry, and refuses a NaN expiry", () => {
    const cache = createReplayCache();
    expect(cache.claim("late", 1_000, 2_000)).toBe(true);
    expect(cache.size).toBe(0);
    expect(cache.claim("nan", Number.NaN, 0)).toBe(false);
  });
});

describe("replay cache at capacity: the soonest-expiring entry is evicted", () => {
  it("keeps refusing an evicted jti while it lives, failing closed for its expiry second", () => {
    const cache = createReplayCache({ maxEntries: 2 });
    expect(cache.claim("a", 10_000, 0)).toBe(true);
    expect(cache.claim("b", 20_000, 0)).toBe(true);
    expect(cache.claim("c", 30_000, 0)).toBe(true); // evicts "a", the soonest to expire
    expect(cache.claim("a", 10_000, 1)).toBe(false);
    // Unseen, but expiring in the same second as "a": it may be "a", so it is refused.
    expect(cache.claim("same-second", 9_500, 1)).toBe(false);
    expect(cache.claim("earlier-second", 9_000, 1)).toBe(true);
    expect(cache.claim("later", 31_000, 1)).toBe(true);
    // Once that second has passed, "a" could no longer verify and is not remembered.
    expect(cache.claim("d", 40_000, 10_000)).toBe(true);
    expect(cache.claim("same-second", 10_500, 10_000)).toBe(true);
  });

  it("evicts by expiry, not by insertion: a long-lived early entry survives", () => {
    const cache = createReplayCache({ maxEntries: 2 });
    cache.claim("long", 100_000, 0);
    cache.claim("short", 50_000, 0);
    expect(cache.claim("next", 90_000, 1_000)).toBe(true); // evicts "short"
    expect(cache.claim("long", 100_000, 2_000)).toBe(false);
    expect(cache.claim("short", 50_000, 2_000)).toBe(false);
    expect(cache.claim("fresh", 95_000, 2_000)).toBe(true);
  });

  // Regression: the cache evicted the oldest *inserted* entry and then refused every unseen
  // token expiring no later than it. One token from a platform clock 30 s ahead (allowed skew)
  // was thus enough to make the next 30 s of legitimate requests fail as "replayed".
  it("accepts legitimate tokens after evicting, even when the oldest entry is the longest-lived", async () => {
    const replayCache = createReplayCache({ maxEntries: 3 });
    const verify = async (overrides: Record<string, unknown>, nowMs = T0_MS) =>
      verifyFixture(await fixtureToken(overrides), { replayCache, now: () => nowMs });
    // Signed 30 s ahead: remembered until T0 + 120 s.
    expect((await verify({ iat: T0 + 30, exp: T0 + 90 })).ok).toBe(true);
    // Two ordinary tokens fill the cache; each is remembered until T0 + 90 s.
    expect((await verify({})).ok).toBe(true);
    expect((await verify({})).ok).toBe(true);
    // Then one new request a second, each evicting the entry that expires soonest.
    for (let s = 1; s <= 40; s++) {
      const result = await verify({ iat: T0 + s, exp: T0 + 60 + s }, T0_MS + s * 1_000);
      expect(result, `request at T0 + ${s} s`).toMatchObject({ ok: true });
    }
  });

  it("accepts a short-lived unseen token when the cache is full of long-lived entries", () => {
    const cache = createReplayCache({ maxEntries: 100 });
    for (let i = 0; i < 100; i++) expect(cache.claim(`long-${i}`, 3_600_000, 0)).toBe(true);
    for (let t = 1; t <= 1_000; t++) {
      expect(cache.claim(`short-${t}`, (t + 31) * 1_000, t * 1_000), `short-${t}`).toBe(true);
    }
    expect(cache.size).toBe(100);
    // Only one long-lived entry made room; the other 99 are still refused.
    let refused = 0;
    for (let i = 0; i < 100; i++) if (!cache.claim(`long-${i}`, 3_600_000, 1_000_000)) refused++;
    expect(refused).toBe(100);
  });

  it("never accepts a replay of a live accepted jti, over 5 000 random claims", () => {
    const rand = seededRandom(5);
    const cache = createReplayCache({ maxEntries: 50 });
    const accepted = new Map<string, number>();
    let now = 0;
    let fresh = 0;
    for (let i = 0; i < 5_000; i++) {
      now += Math.floor(rand() * 200);
      const ids = [...accepted.keys()];
      const replay = ids.length > 0 && rand() < 0.3;
      const jti = replay ? (ids[Math.floor(rand() * ids.length)] as string) : `j${fresh++}`;
      const expiresAt = replay
        ? (accepted.get(jti) as number)
        : (Math.floor(now / 1000) + 1 + Math.floor(rand() * 90)) * 1000;
      const ok = cache.claim(jti, expiresAt, now);
      if (replay && expiresAt > now) expect(ok, `replay of ${jti} at ${now}`).toBe(false);
      if (ok && !replay) accepted.set(jti, expiresAt);
      for (const [id, exp] of accepted) if (exp <= now) accepted.delete(id);
      expect(cache.size).toBeLessThanOrEqual(50);
    }
  });
});

describe("min-heap (the replay cache's expiry order)", () => {
  it("pops values in priority order for random pushes and interleaved pops", () => {
    const rand = seededRandom(9);
    const heap = createMinHeap<number>();
    const model: number[] = [];
    for (let i = 0; i < 5_000; i++) {
      if (rand() < 0.6 || model.length === 0) {
        const p = Math.floor(rand() * 1_000);
        heap.push(p, p);
        model.push(p);
      } else {
        model.sort((a, b) => a - b);
        expect(heap.peekPriority()).toBe(model[0]);
        expect(heap.pop()).toBe(model.shift());
      }
      expect(heap.size).toBe(model.length);
    }
    expect(createMinHeap().pop()).toBeUndefined();
    expect(createMinHeap().peekPriority()).toBe(Number.POSITIVE_INFINITY);
  });
});
