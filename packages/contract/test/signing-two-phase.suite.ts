import { describe, expect, it } from "vitest";
import { createReplayCache, generateDaemonSecret } from "../src/index.ts";
import type { SigningBackend } from "./signing-backend.ts";
import {
  BODY,
  fixtureToken,
  MACHINE_ID,
  PATH,
  SECRET,
  T0,
  T0_MS,
  URL_AS_RECEIVED,
} from "./signing-fixture.ts";
import { refSha256, sequentialBytes } from "./support.ts";

/**
 * Two-phase verification, against one signing backend: run by
 * signing-two-phase.test.ts for the contract's portable crypto and by the daemon for its Node adapter.
 */
export function signingTwoPhaseSuite({
  signRequest,
  verifyRequest,
  verifyRequestBody,
  verifyRequestHeader,
  verifyFixture,
}: SigningBackend): void {
  /** The fixture request's header phase: everything but the body. */
  function header(token: string | null | undefined, overrides = {}) {
    return verifyRequestHeader({
      token,
      secret: SECRET,
      machineId: MACHINE_ID,
      method: "POST",
      url: URL_AS_RECEIVED,
      now: () => T0_MS,
      ...overrides,
    });
  }

  function claimsOf(result: ReturnType<typeof verifyRequestHeader>) {
    if (!result.ok) throw new Error(`header refused: ${result.code}`);
    return result.claims;
  }

  describe("two-phase verification: the header phase, before the body is read", () => {
    it("accepts a correct token without its body and records nothing", async () => {
      const token = await fixtureToken();
      expect(header(token).ok).toBe(true);
      expect(header(token).ok).toBe(true);
      // The header phase takes no cache: had it claimed the jti anywhere, it would be in the
      // module-wide one, which verifyRequest uses when given none (and which then remembers it).
      const unspecified = { replayCache: undefined };
      expect((await verifyFixture(token, unspecified)).ok).toBe(true);
      expect(await verifyFixture(token, unspecified)).toEqual({ ok: false, code: "replayed" });
    });

    it("refuses what verifyRequest refuses, except the body and replay checks", async () => {
      const otherSecret = await signRequest({
        secret: generateDaemonSecret(),
        machineId: MACHINE_ID,
        method: "POST",
        url: PATH,
        now: () => T0_MS,
      });
      const cases: [string | undefined, object, string][] = [
        [undefined, {}, "missing"],
        ["a.b", {}, "malformed"],
        [otherSecret, {}, "bad_signature"],
        [await fixtureToken({ aud: "mch_other" }), {}, "wrong_audience"],
        [await fixtureToken(), { now: () => T0_MS + 90_000 }, "expired"],
        [await fixtureToken({ iat: T0 + 31, exp: T0 + 60 }), {}, "not_yet_valid"],
        [await fixtureToken(), { method: "PUT" }, "method_mismatch"],
        [await fixtureToken(), { url: "/platform/env" }, "path_mismatch"],
      ];
      for (const [token, overrides, code] of cases) {
        expect(header(token, overrides), code).toEqual({ ok: false, code });
      }
    });

    it("leaves bh to the body phase: claims.bh says whether a body is expected", async () => {
      expect(claimsOf(header(await fixtureToken())).bh).toBe(await refSha256(BODY));
      expect(claimsOf(header(await fixtureToken({ bh: undefined }))).bh).toBeUndefined();
    });
  });

  describe("two-phase verification: the body phase", () => {
    it("checks bh, then records the jti so the same token is refused as replayed", async () => {
      const replayCache = createReplayCache();
      const claims = claimsOf(header(await fixtureToken()));
      const now = () => T0_MS;
      expect(await verifyRequestBody(claims, "tampered", { replayCache, now })).toEqual({
        ok: false,
        code: "body_mismatch",
      });
      expect(replayCache.size).toBe(0);
      expect(await verifyRequestBody(claims, BODY, { replayCache, now })).toEqual({
        ok: true,
        claims,
      });
      expect(await verifyRequestBody(claims, BODY, { replayCache, now })).toEqual({
        ok: false,
        code: "replayed",
      });
    });

    it("lets only one of two copies of a token through when both passed the header phase", async () => {
      const replayCache = createReplayCache();
      const token = await fixtureToken();
      const first = claimsOf(header(token));
      const second = claimsOf(header(token));
      const now = () => T0_MS;
      const results = await Promise.all([
        verifyRequestBody(first, BODY, { replayCache, now }),
        verifyRequestBody(second, BODY, { replayCache, now }),
      ]);
      expect(results.map((r) => (r.ok ? "ok" : r.code)).sort()).toEqual(["ok", "replayed"]);
    });

    it("answers expired when the token ran out while the body was being read, recording nothing", async () => {
      const replayCache = createReplayCache();
      const claims = claimsOf(header(await fixtureToken()));
      // exp is T0 + 60; with 30 s of skew the token verifies until T0 + 90 s.
      expect(
        await verifyRequestBody(claims, BODY, { replayCache, now: () => T0_MS + 90_000 }),
      ).toEqual({ ok: false, code: "expired" });
      expect(replayCache.size).toBe(0);
      expect((await verifyRequestBody(claims, BODY, { replayCache, now: () => T0_MS })).ok).toBe(
        true,
      );
    });

    it("shares verifyRequest's module-wide replay cache when none is passed", async () => {
      const token = await fixtureToken();
      const options = { token, secret: SECRET, machineId: MACHINE_ID, method: "POST", url: PATH };
      expect((await verifyRequest({ ...options, body: BODY, now: () => T0_MS })).ok).toBe(true);
      const claims = claimsOf(header(token));
      expect(await verifyRequestBody(claims, BODY, { now: () => T0_MS })).toEqual({
        ok: false,
        code: "replayed",
      });
    });
  });

  describe("two-phase verification: verifyRequest is the two phases composed", () => {
    it("decides exactly as header then body for valid, tampered, replayed and expired requests", async () => {
      const composed = createReplayCache();
      const phased = createReplayCache();
      const token = await fixtureToken();
      const cases = [
        { token, body: BODY, now: T0_MS },
        { token, body: BODY, now: T0_MS + 1_000 },
        { token: await fixtureToken(), body: `${BODY} `, now: T0_MS },
        { token: await fixtureToken(), body: sequentialBytes(5_000), now: T0_MS },
        { token: await fixtureToken({ bh: undefined }), body: "", now: T0_MS },
        { token: await fixtureToken(), body: BODY, now: T0_MS + 90_000 },
        { token: "Bearer x.y.z", body: BODY, now: T0_MS },
      ];
      for (const c of cases) {
        const now = () => c.now;
        const whole = await verifyRequest({
          token: c.token,
          secret: SECRET,
          machineId: MACHINE_ID,
          method: "POST",
          url: URL_AS_RECEIVED,
          body: c.body,
          now,
          replayCache: composed,
        });
        const head = header(c.token, { now });
        const split = head.ok
          ? await verifyRequestBody(head.claims, c.body, { replayCache: phased, now })
          : head;
        expect(split).toEqual(whole);
      }
      expect(phased.size).toBe(composed.size);
    });
  });
}
