import { describe, expect, it } from "vitest";
import { base64Decode, fromUtf8, sha256Base64url } from "../src/index.ts";
import { refSha256 } from "./support.ts";

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
