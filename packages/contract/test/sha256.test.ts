import { describe, expect, it } from "vitest";
import { createHmacSha256, portableSigningCrypto, sha256 } from "../src/index.ts";
import { signingCryptoSuite } from "./signing-crypto.suite.ts";

// Every source file as text (Vite's import.meta.glob works the same in both test pools).
const SOURCES = import.meta.glob<string>("../src/**/*.ts", {
  query: "?raw",
  import: "default",
  eager: true,
});

describe("cryptography comes from @noble/hashes, not from this package", () => {
  it("finds no SHA-256 round or IV constants in src/ (the mark of a hand-written compression)", () => {
    expect(Object.keys(SOURCES).length).toBeGreaterThan(5);
    for (const [path, text] of Object.entries(SOURCES)) {
      expect(/0x428a2f98|0x6a09e667|0xc67178f2/i.test(text), path).toBe(false);
    }
  });

  it("builds sha256 and createHmacSha256 on @noble/hashes", () => {
    const text = SOURCES["../src/sha256.ts"] ?? "";
    expect(text).toContain('from "@noble/hashes/sha2.js"');
    expect(text).toContain('from "@noble/hashes/hmac.js"');
  });
});

describe("the exported sha256 and createHmacSha256", () => {
  it("are the portable backend's", () => {
    expect(portableSigningCrypto.sha256).toBe(sha256);
    const mac = createHmacSha256(new Uint8Array(32).fill(7));
    const viaBackend = portableSigningCrypto.createHmacSha256(new Uint8Array(32).fill(7));
    expect(viaBackend("abc")).toEqual(mac(new TextEncoder().encode("abc")));
  });
});

describe("portable signing crypto (@noble/hashes)", () =>
  signingCryptoSuite(portableSigningCrypto));
