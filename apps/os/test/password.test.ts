import { ConfigError } from "@iterate/contract";
import { describe, expect, it } from "vitest";
import {
  hashPassword,
  PBKDF2_ITERATIONS,
  passwordPepper,
  verifyPassword,
} from "../src/auth/password.ts";
import { legacyPasswordHash } from "./legacy-password.ts";

const PEPPER = "a-test-pepper-of-at-least-32-characters";

describe("password hashing (HMAC pepper, then PBKDF2-SHA256)", () => {
  it("verifies the right password and refuses a wrong one", async () => {
    const stored = await hashPassword("correct horse battery staple", PEPPER);
    expect(await verifyPassword("correct horse battery staple", stored, PEPPER)).toEqual({
      ok: true,
      rehash: false,
    });
    expect(await verifyPassword("correct horse battery stapler", stored, PEPPER)).toEqual({
      ok: false,
      rehash: false,
    });
  });

  it("salts every hash, so one password hashes differently twice", async () => {
    const [a, b] = await Promise.all([hashPassword("same", PEPPER), hashPassword("same", PEPPER)]);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^pbkdf2-sha256-pepper\$100000\$[\w-]{22}\$[\w-]{43}$/);
  });

  it("needs the pepper: the same hash does not verify under another pepper", async () => {
    const stored = await hashPassword("pw", PEPPER);
    const other = "another-pepper-of-at-least-32-characters";
    expect((await verifyPassword("pw", stored, other)).ok).toBe(false);
  });

  it("hashes with the production runtime's maximum of 100 000 iterations", async () => {
    // Cloudflare's runtime refuses more ("iteration counts above 100000 are not supported");
    // local workerd has no such limit enforcer, so the number itself is what we can pin here.
    expect(PBKDF2_ITERATIONS).toBe(100_000);
    expect(await hashPassword("x", PEPPER)).toContain("$100000$");
  });

  it("still verifies hashes made with fewer iterations, and asks for a rehash", async () => {
    const older = await hashPassword("pw", PEPPER, 1_000);
    expect(await verifyPassword("pw", older, PEPPER)).toEqual({ ok: true, rehash: true });
  });

  it("verifies a hash from before the pepper the old way, and asks for a rehash", async () => {
    const legacy = await legacyPasswordHash("pw");
    expect(await verifyPassword("pw", legacy, PEPPER)).toEqual({ ok: true, rehash: true });
    expect(await verifyPassword("nope", legacy, PEPPER)).toEqual({ ok: false, rehash: false });
  });

  it("treats a malformed stored hash as a mismatch", async () => {
    for (const stored of ["", "md5$1$a$b", "pbkdf2-sha256$nope$a$b", "pbkdf2-sha256-pepper$1$a"]) {
      expect((await verifyPassword("x", stored, PEPPER)).ok).toBe(false);
    }
  });

  it("refuses a missing or short PASSWORD_PEPPER with a ConfigError naming it", () => {
    for (const value of [undefined, "", "   ", "too short"]) {
      expect(() => passwordPepper(value)).toThrow(ConfigError);
      expect(() => passwordPepper(value)).toThrow(/PASSWORD_PEPPER/);
    }
    expect(passwordPepper(` ${PEPPER} `)).toBe(PEPPER);
  });
});
