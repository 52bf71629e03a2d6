import { describe, expect, it } from "vitest";
import { hashPassword, PBKDF2_ITERATIONS, verifyPassword } from "../src/auth/password.ts";

describe("password hashing (PBKDF2-SHA256)", () => {
  it("verifies the right password and refuses a wrong one", async () => {
    const stored = await hashPassword("correct horse battery staple");
    expect(await verifyPassword("correct horse battery staple", stored)).toBe(true);
    expect(await verifyPassword("correct horse battery stapler", stored)).toBe(false);
  });

  it("salts every hash, so one password hashes differently twice", async () => {
    const [a, b] = await Promise.all([hashPassword("same"), hashPassword("same")]);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^pbkdf2-sha256\$100000\$[\w-]{22}\$[\w-]{43}$/);
  });

  it("hashes with the production runtime's maximum of 100 000 iterations", async () => {
    // Cloudflare's runtime refuses more ("iteration counts above 100000 are not supported");
    // local workerd has no such limit enforcer, so the number itself is what we can pin here.
    expect(PBKDF2_ITERATIONS).toBe(100_000);
    expect(await hashPassword("x")).toContain("$100000$");
  });

  it("still verifies hashes made with another iteration count", async () => {
    const older = await hashPassword("pw", 1_000);
    expect(await verifyPassword("pw", older)).toBe(true);
  });

  it("treats a malformed stored hash as a mismatch", async () => {
    expect(await verifyPassword("x", "")).toBe(false);
    expect(await verifyPassword("x", "md5$1$a$b")).toBe(false);
    expect(await verifyPassword("x", "pbkdf2-sha256$nope$a$b")).toBe(false);
  });
});
