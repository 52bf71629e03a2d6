import { describe, expect, it } from "vitest";
import { createReplayCache } from "../src/index.ts";
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

  it("looks for a replay in its own expiry second: the same id with another exp is another token", () => {
    // A token's jti and exp are signed together: a replay carries both.
    const cache = createReplayCache();
    expect(cache.claim("a", 10_000, 0)).toBe(true);
    expect(cache.claim("a", 9_001, 0)).toBe(false); // same second (ceil 10)
    expect(cache.claim("a", 11_000, 0)).toBe(true);
    expect(cache.size).toBe(2);
  });

  it("keeps an id until the end of its expiry second, then forgets the whole second", () => {
    const cache = createReplayCache();
    expect(cache.claim("a", 9_200, 0)).toBe(true);
    expect(cache.claim("b", 9_900, 0)).toBe(true);
    expect(cache.claim("a", 9_200, 9_100)).toBe(false);
    cache.claim("later", 20_000, 10_000);
    expect(cache.size).toBe(1);
  });

  it("orders seconds claimed out of order, and forgets each as it passes", () => {
    const cache = createReplayCache();
    for (const s of [50, 10, 30, 20, 40]) expect(cache.claim(`s${s}`, s * 1_000, 0)).toBe(true);
    for (const [now, held] of [
      [15_000, 4],
      [35_000, 2],
      [45_000, 1],
    ] as const) {
      cache.claim(`probe-${now}`, now + 1, now);
      expect(cache.size, `at ${now}`).toBe(held + 1);
    }
    expect(cache.claim("s50", 50_000, 45_000)).toBe(false);
  });

  it("refuses a replay to the end of its expiry second, also once the exact expiry has passed", () => {
    const cache = createReplayCache();
    expect(cache.claim("a", 9_500, 9_600)).toBe(true);
    expect(cache.claim("a", 9_500, 9_999)).toBe(false);
    expect(cache.claim("a", 9_500, 10_000)).toBe(true); // its second is over
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
    // Making room dropped the long-lived ones' whole second at once, and it is remembered:
    // every one of them is still refused.
    expect(cache.size).toBeLessThanOrEqual(100);
    let refused = 0;
    for (let i = 0; i < 100; i++) if (!cache.claim(`long-${i}`, 3_600_000, 1_000_000)) refused++;
    expect(refused).toBe(100);
  });

  it("drops the soonest second's ids together, refusing that second until it passes", () => {
    const cache = createReplayCache({ maxEntries: 3 });
    expect(cache.claim("a", 10_000, 0)).toBe(true);
    expect(cache.claim("b", 10_000, 0)).toBe(true);
    expect(cache.claim("c", 20_000, 0)).toBe(true);
    expect(cache.claim("d", 30_000, 0)).toBe(true); // drops a and b
    expect(cache.size).toBe(2);
    for (const jti of ["a", "b", "unseen"]) expect(cache.claim(jti, 10_000, 1)).toBe(false);
    expect(cache.claim("e", 30_000, 1)).toBe(true); // room left: nothing dropped
    expect(cache.claim("c", 20_000, 1)).toBe(false);
    expect(cache.claim("unseen", 10_000, 10_001)).toBe(true); // that second has passed
  });

  it("refuses a replay at capacity without dropping anything for it", () => {
    const cache = createReplayCache({ maxEntries: 2 });
    expect(cache.claim("a", 10_000, 0)).toBe(true);
    expect(cache.claim("b", 20_000, 0)).toBe(true);
    // "a" is held in the soonest second: making room first would drop it and let it in.
    expect(cache.claim("a", 10_000, 0)).toBe(false);
    expect(cache.claim("b", 20_000, 0)).toBe(false);
    expect(cache.size).toBe(2);
    expect(cache.claim("unseen", 10_000, 0)).toBe(true); // nothing was marked
  });

  it("accepts an id whose own second is the one dropped, and refuses its replay", () => {
    const cache = createReplayCache({ maxEntries: 2 });
    expect(cache.claim("a", 10_000, 0)).toBe(true);
    expect(cache.claim("b", 10_000, 0)).toBe(true);
    expect(cache.claim("c", 10_000, 0)).toBe(true);
    expect(cache.claim("c", 10_000, 0)).toBe(false);
    expect(cache.size).toBe(0);
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
