import { describe, expect, it } from "vitest";
import { createReplayCache, type VerifyFailureCode } from "../src/index.ts";
import type { SigningBackend } from "./signing-backend.ts";
import {
  BODY,
  fixtureToken,
  MACHINE_ID,
  PATH,
  SECRET,
  SECRET_BYTES,
  T0,
  T0_MS,
  URL_AS_RECEIVED,
} from "./signing-fixture.ts";
import { refBase64url, refSha256, refSignJwt, refSignParts, sequentialBytes } from "./support.ts";

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * Signed requests refused: malformed, forged, each claim, skew, replay, against one signing backend: run by
 * signing-tamper.test.ts for the contract's portable crypto and by the daemon for its Node adapter.
 */
export function signingTamperSuite({
  signRequest,
  verifyRequest,
  verifyFixture,
}: SigningBackend): void {
  async function expectCode(
    token: Promise<string> | string,
    code: VerifyFailureCode,
    options = {},
  ) {
    expect(await verifyFixture(await token, options)).toEqual({ ok: false, code });
  }

  describe("signed requests: missing and malformed tokens", () => {
    it("answers missing for no token at all", async () => {
      for (const token of [undefined, null, "", "   ", "Bearer ", "Bearer"])
        await expectCode(token as string, "missing");
    });

    it("tolerates a leading Bearer prefix, in any case and with any spacing", async () => {
      for (const wrap of [
        (t: string) => `Bearer ${t}`,
        (t: string) => `bearer ${t}`,
        (t: string) => `Bearer  ${t}`,
        (t: string) => `Bearer ${t} `,
        (t: string) => ` Bearer\t${t} `,
        (t: string) => `Bearer \u00a0${t}\u00a0`,
        (t: string) => t,
      ]) {
        const header = wrap(await fixtureToken());
        expect((await verifyFixture(header)).ok, JSON.stringify(header)).toBe(true);
      }
    });

    it("answers malformed for tokens that are not three parts or whose signature is not base64url", async () => {
      const valid = await fixtureToken();
      const [h, p, s] = valid.split(".") as [string, string, string];
      for (const token of [
        "abc",
        `${h}.${p}`,
        `${valid}.x`,
        `${h}.${p}.${s}=`,
        `${h}.${p}.${s}!`,
        // The same MAC bytes spelled with a non-zero leftover bit: one token, one spelling.
        `${h}.${p}.${s.slice(0, -1)}${BASE64URL[BASE64URL.indexOf(s.at(-1) as string) + 1]}`,
      ]) {
        await expectCode(token, "malformed");
      }
    });

    it("answers malformed for correctly signed parts that are not base64url JSON objects", async () => {
      const [h, p] = (await fixtureToken()).split(".") as [string, string];
      const json = (value: unknown) =>
        refBase64url(new TextEncoder().encode(JSON.stringify(value)));
      for (const [header, payload] of [
        [`${h}=`, p],
        [h, `${p}!`],
        [json([1]), p],
        [h, json("string")],
        [h, refBase64url(new TextEncoder().encode("{not json"))],
        [h, refBase64url(new Uint8Array([0xff, 0xfe]))],
      ] as const) {
        await expectCode(refSignParts(SECRET_BYTES, header, payload), "malformed");
      }
    });

    it("checks the MAC before parsing: unsigned junk parts answer bad_signature, not malformed", async () => {
      const [h, p, s] = (await fixtureToken()).split(".") as [string, string, string];
      const notJson = refBase64url(new TextEncoder().encode("{not json"));
      await expectCode(`${h}.${notJson}.${s}`, "bad_signature");
      await expectCode(`${notJson}.${p}.${s}`, "bad_signature");
      await expectCode(`${h}.${p}!.${s}`, "bad_signature");
      const otherKey = await refSignParts(sequentialBytes(32, 7), h, notJson);
      await expectCode(otherKey, "bad_signature");
    });

    it("answers malformed for a crit header (no extensions are understood)", async () => {
      await expectCode(fixtureToken({}, { alg: "HS256", crit: ["b64"], b64: false }), "malformed");
    });
  });

  describe("signed requests: forged tokens", () => {
    it("answers bad_signature for a token signed with another secret", async () => {
      const token = await refSignJwt(sequentialBytes(32, 7), {
        iss: "iterate-platform",
        aud: MACHINE_ID,
        iat: T0,
        exp: T0 + 60,
        jti: "j",
        htm: "POST",
        htu: PATH,
        bh: await refSha256(BODY),
      });
      await expectCode(token, "bad_signature");
    });

    it("answers bad_signature for alg none, HS512 or RS256 headers", async () => {
      const unsigned = (await fixtureToken({}, { alg: "none" })).replace(/[^.]+$/, "");
      await expectCode(unsigned, "bad_signature");
      await expectCode(fixtureToken({}, { alg: "HS512" }), "bad_signature");
      await expectCode(fixtureToken({}, { alg: "RS256" }), "bad_signature");
      await expectCode(fixtureToken({}, { typ: "JWT" }), "bad_signature");
    });

    it("answers bad_signature when a valid signature is moved onto other claims", async () => {
      const [, , signature] = (await fixtureToken()).split(".");
      const [header, payload] = (await fixtureToken({ htu: "/platform/env" })).split(".");
      await expectCode(`${header}.${payload}.${signature}`, "bad_signature");
    });

    it("never verifies a token with any single character changed", async () => {
      const token = await fixtureToken();
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      const replayCache = createReplayCache();
      for (let i = 0; i < token.length; i++) {
        const c = token[i] as string;
        if (c === ".") continue;
        const swapped = alphabet[(alphabet.indexOf(c) + 1) % 64] as string;
        const result = await verifyFixture(token.slice(0, i) + swapped + token.slice(i + 1), {
          replayCache,
        });
        expect(result.ok, `position ${i}`).toBe(false);
      }
      expect((await verifyFixture(token, { replayCache })).ok).toBe(true);
    });
  });

  describe("signed requests: each claim is checked", () => {
    const cases: [string, Record<string, unknown>, VerifyFailureCode][] = [
      ["iss wrong", { iss: "someone-else" }, "malformed"],
      ["iss missing", { iss: undefined }, "malformed"],
      ["aud another machine", { aud: "mch_other" }, "wrong_audience"],
      ["aud list without us", { aud: ["mch_a", "mch_b"] }, "wrong_audience"],
      ["aud missing", { aud: undefined }, "malformed"],
      ["aud a number", { aud: 7 }, "malformed"],
      ["iat missing", { iat: undefined }, "malformed"],
      ["iat a string", { iat: String(T0) }, "malformed"],
      ["exp missing", { exp: undefined }, "malformed"],
      ["exp beyond 60 s", { exp: T0 + 61 }, "malformed"],
      ["exp before iat", { exp: T0 - 1 }, "malformed"],
      ["exp passed", { iat: T0 - 100, exp: T0 - 40 }, "expired"],
      ["iat in the future", { iat: T0 + 31, exp: T0 + 60 }, "not_yet_valid"],
      ["nbf in the future", { nbf: T0 + 31 }, "not_yet_valid"],
      ["nbf a string", { nbf: "soon" }, "malformed"],
      ["jti missing", { jti: undefined }, "malformed"],
      ["jti empty", { jti: "" }, "malformed"],
      ["jti a number", { jti: 5 }, "malformed"],
      ["htm another method", { htm: "PUT" }, "method_mismatch"],
      ["htm missing", { htm: undefined }, "malformed"],
      ["htu another path", { htu: "/platform/env?x=1" }, "path_mismatch"],
      ["htu another query", { htu: "/platform/bootstrap?x=2" }, "path_mismatch"],
      ["htu without query", { htu: "/platform/bootstrap" }, "path_mismatch"],
      ["htu with trailing slash", { htu: "/platform/bootstrap/?x=1" }, "path_mismatch"],
      ["htu a full URL", { htu: URL_AS_RECEIVED }, "path_mismatch"],
      ["htu missing", { htu: undefined }, "malformed"],
      [
        "bh of another body",
        { bh: "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU" },
        "body_mismatch",
      ],
      ["bh missing with a body", { bh: undefined }, "body_mismatch"],
      ["bh a number", { bh: 1 }, "malformed"],
    ];
    for (const [what, overrides, code] of cases) {
      it(`answers ${code} when ${what}`, async () => {
        await expectCode(fixtureToken(overrides), code);
      });
    }

    it("compares the method case-insensitively", async () => {
      expect((await verifyFixture(await fixtureToken({ htm: "post" }))).ok).toBe(true);
      expect((await verifyFixture(await fixtureToken(), { method: "post" })).ok).toBe(true);
      await expectCode(fixtureToken(), "method_mismatch", { method: "GET" });
    });

    it("answers body_mismatch for a body added to a bodiless token or changed by one byte", async () => {
      await expectCode(fixtureToken({ bh: undefined }), "body_mismatch", { body: "{}" });
      await expectCode(fixtureToken(), "body_mismatch", { body: BODY.replace("r.git", "s.git") });
      await expectCode(fixtureToken(), "body_mismatch", { body: null });
    });

    it("answers wrong_audience when verified by another machine", async () => {
      await expectCode(fixtureToken(), "wrong_audience", { machineId: "mch_someone_else0000" });
    });
  });

  describe("signed requests: clock skew up to 30 s", () => {
    const sign = (signerMs: number) =>
      signRequest({
        secret: SECRET,
        machineId: MACHINE_ID,
        method: "POST",
        url: PATH,
        body: BODY,
        now: () => signerMs,
      });

    it("accepts a signer clock up to 30 s ahead and refuses 31 s as not_yet_valid", async () => {
      expect((await verifyFixture(await sign(T0_MS + 30_000))).ok).toBe(true);
      await expectCode(sign(T0_MS + 31_000), "not_yet_valid");
    });

    it("accepts a token until 30 s past exp and refuses it from then on as expired", async () => {
      const token = await sign(T0_MS);
      expect((await verifyFixture(token, { now: () => T0_MS + 89_999 })).ok).toBe(true);
      await expectCode(token, "expired", { now: () => T0_MS + 90_000 });
    });
  });

  describe("signed requests: replay protection", () => {
    it("answers replayed for a second use within the window, also with a Bearer prefix", async () => {
      const replayCache = createReplayCache();
      const token = await fixtureToken();
      expect((await verifyFixture(token, { replayCache })).ok).toBe(true);
      expect(await verifyFixture(token, { replayCache, now: () => T0_MS + 5_000 })).toEqual({
        ok: false,
        code: "replayed",
      });
      expect(await verifyFixture(`Bearer ${token}`, { replayCache })).toEqual({
        ok: false,
        code: "replayed",
      });
    });

    it("answers expired (not replayed) after the window, and the cache has forgotten the jti", async () => {
      const replayCache = createReplayCache();
      const token = await fixtureToken();
      expect((await verifyFixture(token, { replayCache })).ok).toBe(true);
      expect(await verifyFixture(token, { replayCache, now: () => T0_MS + 90_000 })).toEqual({
        ok: false,
        code: "expired",
      });
      const later = await fixtureToken({ iat: T0 + 90, exp: T0 + 150 });
      expect((await verifyFixture(later, { replayCache, now: () => T0_MS + 90_000 })).ok).toBe(
        true,
      );
      expect(replayCache.size).toBe(1);
    });

    it("refuses the replay of a token with a fractional exp through its last valid second", async () => {
      // exp + 30 s ends mid-second; the expiry check reads whole seconds, so the token still
      // verifies until the end of that second, and so long its jti must be remembered.
      const replayCache = createReplayCache();
      const token = await fixtureToken({ exp: T0 + 59.5 });
      const lastSecond = () => T0_MS + 89_700;
      expect((await verifyFixture(token, { replayCache, now: lastSecond })).ok).toBe(true);
      await expectCode(token, "replayed", { replayCache, now: lastSecond });
      await expectCode(token, "expired", { replayCache, now: () => T0_MS + 90_000 });
    });

    it("does not burn the jti of a refused request", async () => {
      const replayCache = createReplayCache();
      const token = await fixtureToken();
      await expectCode(token, "body_mismatch", { replayCache, body: "tampered" });
      expect((await verifyFixture(token, { replayCache })).ok).toBe(true);
    });

    it("uses a module-wide cache when none is passed", async () => {
      const token = await fixtureToken();
      const options = {
        token,
        secret: SECRET,
        machineId: MACHINE_ID,
        method: "POST",
        url: PATH,
        body: BODY,
        now: () => T0_MS,
      };
      expect((await verifyRequest(options)).ok).toBe(true);
      expect(await verifyRequest(options)).toEqual({ ok: false, code: "replayed" });
    });
  });
}
