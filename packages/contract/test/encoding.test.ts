import { describe, expect, it } from "vitest";
import {
  base64Decode,
  base64urlDecode,
  base64urlEncode,
  fromUtf8,
  sha256Base64url,
} from "../src/index.ts";
import { randomBytesFrom, refBase64url, refSha256, seededRandom } from "./support.ts";

describe("base64url encoding", () => {
  it("matches the RFC 4648 test vectors", () => {
    const vectors: [string, string][] = [
      ["", ""],
      ["f", "Zg"],
      ["fo", "Zm8"],
      ["foo", "Zm9v"],
      ["foob", "Zm9vYg"],
      ["fooba", "Zm9vYmE"],
      ["foobar", "Zm9vYmFy"],
    ];
    for (const [plain, encoded] of vectors) {
      expect(base64urlEncode(new TextEncoder().encode(plain))).toBe(encoded);
      expect(new TextDecoder().decode(base64urlDecode(encoded) ?? undefined)).toBe(plain);
    }
    expect(base64urlEncode(new Uint8Array([0xfb, 0xff]))).toBe("-_8");
  });

  it("round-trips 200 random byte strings and agrees with btoa", () => {
    const rand = seededRandom(1);
    for (let i = 0; i < 200; i++) {
      const bytes = randomBytesFrom(rand, 80);
      const encoded = base64urlEncode(bytes);
      expect(encoded).toBe(refBase64url(bytes));
      expect(base64urlDecode(encoded)).toEqual(bytes);
    }
  });

  it("refuses padding, foreign characters, impossible lengths and non-canonical trailing bits", () => {
    for (const bad of ["Zg==", "Zm9v+", "Zm9v/", "Z", "Zm9vY", "Zh", "Zm9", "Zm+v", "Zm v", "Zé"]) {
      expect(base64urlDecode(bad), bad).toBeNull();
    }
  });
});

describe("base64 decoding of operator-supplied keys", () => {
  it("accepts standard base64 with or without padding and base64url", () => {
    expect(base64Decode("+/8=")).toEqual(new Uint8Array([0xfb, 0xff]));
    expect(base64Decode("+/8")).toEqual(new Uint8Array([0xfb, 0xff]));
    expect(base64Decode("-_8")).toEqual(new Uint8Array([0xfb, 0xff]));
    expect(base64Decode("Zm9vYg==")).toEqual(new TextEncoder().encode("foob"));
  });

  it("refuses wrong padding, mixed alphabets and stray characters", () => {
    for (const bad of ["+/8==", "Zm9vYg=", "Zm9vYg===", "=", "+_8", "Zm9v\n", "Zm=9v", "Zh=="]) {
      expect(base64Decode(bad), JSON.stringify(bad)).toBeNull();
    }
  });
});

describe("utf8 and sha256 helpers", () => {
  it("returns null for invalid UTF-8 instead of replacement characters", () => {
    expect(fromUtf8(new Uint8Array([0xff, 0xfe]))).toBeNull();
    expect(fromUtf8(new TextEncoder().encode("ok ✓"))).toBe("ok ✓");
  });

  it("hashes to the known SHA-256 of the empty string and of abc", async () => {
    expect(await sha256Base64url("")).toBe("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
    expect(await sha256Base64url("abc")).toBe(await refSha256("abc"));
  });
});
