import { describe, expect, it } from "vitest";
import {
  DAEMON_SECRET_PATTERN,
  generateDaemonSecret,
  hashSecret,
  mintAccessToken,
  parseAccessToken,
  timingSafeEqual,
  timingSafeEqualText,
  verifySecret,
} from "../src/index.ts";
import { refFromBase64url, refSha256 } from "./support.ts";

describe("access tokens", () => {
  it("mint as itk_<tok_ id>_<43 base62 secret> and parse back, 200 times", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const minted = mintAccessToken();
      expect(minted.token).toBe(`itk_${minted.tokenId}_${minted.secret}`);
      expect(minted.tokenId).toMatch(/^tok_[0-9a-z]{20}$/);
      expect(minted.secret).toMatch(/^[0-9A-Za-z]{43}$/);
      expect(parseAccessToken(minted.token)).toEqual({
        tokenId: minted.tokenId,
        secret: minted.secret,
      });
      seen.add(minted.secret);
    }
    expect(seen.size).toBe(200);
  });

  it("carry at least 256 bits of secret randomness", () => {
    expect(43 * Math.log2(62)).toBeGreaterThanOrEqual(256);
    // All 62 symbols show up, so the alphabet really is base62.
    const symbols = new Set(Array.from({ length: 100 }, () => mintAccessToken().secret).join(""));
    expect(symbols.size).toBe(62);
  });

  it("parse to null for anything but the exact minted shape", () => {
    const { token, tokenId, secret } = mintAccessToken();
    const bad = [
      "",
      "itk_",
      token.slice(0, -1),
      `${token}A`,
      `Bearer ${token}`,
      ` ${token}`,
      token.replace("itk_", "itx_"),
      token.replace("tok_", "tak_"),
      `itk_${tokenId}__${secret}`,
      `itk_${tokenId}_${secret.slice(0, 42)}_`,
      `itk_${tokenId.toUpperCase()}_${secret}`,
      `itk_${tokenId}-${secret}`,
      `itk_${secret}_${tokenId}`,
    ];
    for (const candidate of bad) expect(parseAccessToken(candidate), candidate).toBeNull();
    expect(parseAccessToken(undefined as unknown as string)).toBeNull();
  });
});

describe("secret hashing", () => {
  it("stores base64url SHA-256 of the secret, matching a reference digest", async () => {
    expect(await hashSecret("abc")).toBe("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    const { secret } = mintAccessToken();
    expect(await hashSecret(secret)).toBe(await refSha256(secret));
  });

  it("verifies the right secret and refuses any other", async () => {
    const { secret } = mintAccessToken();
    const stored = await hashSecret(secret);
    expect(await verifySecret(secret, stored)).toBe(true);
    // Change the last character to a different one (a fixed "x" equals it 1 time in 62).
    const other = `${secret.slice(0, -1)}${secret.endsWith("x") ? "y" : "x"}`;
    expect(await verifySecret(other, stored)).toBe(false);
    expect(await verifySecret(secret, stored.slice(0, -1))).toBe(false);
    expect(await verifySecret(secret, "")).toBe(false);
    expect(await verifySecret("", stored)).toBe(false);
    expect(await verifySecret(secret, stored.toUpperCase())).toBe(false);
  });
});

describe("timingSafeEqual", () => {
  it("is true only for equal bytes of equal length", () => {
    const a = new Uint8Array([1, 2, 3]);
    expect(timingSafeEqual(a, new Uint8Array([1, 2, 3]))).toBe(true);
    expect(timingSafeEqual(a, new Uint8Array([1, 2, 4]))).toBe(false);
    expect(timingSafeEqual(a, new Uint8Array([0, 2, 3]))).toBe(false);
    expect(timingSafeEqual(a, new Uint8Array([1, 2]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});

describe("timingSafeEqualText", () => {
  it("is true only for equal texts of equal length, wherever they differ", () => {
    expect(timingSafeEqualText("abc", "abc")).toBe(true);
    for (const other of ["abd", "xbc", "aXc", "ab", "abcd", "ABC"])
      expect(timingSafeEqualText("abc", other), other).toBe(false);
    expect(timingSafeEqualText("", "")).toBe(true);
    // By UTF-16 unit: one that differs only in its high byte is still different.
    expect(timingSafeEqualText("a\u0161", "a\u0061")).toBe(false);
  });
});

describe("daemon secrets", () => {
  it("are base64url of 32 random bytes", () => {
    const secrets = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const secret = generateDaemonSecret();
      expect(secret).toMatch(DAEMON_SECRET_PATTERN);
      expect(refFromBase64url(secret)).toHaveLength(32);
      secrets.add(secret);
    }
    expect(secrets.size).toBe(200);
  });
});
