import { describe, expect, it } from "vitest";
import type { SigningCrypto } from "../src/index.ts";
import { randomBytesFrom, randomTextFrom, refBase64url, seededRandom } from "./support.ts";

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const fromHex = (text: string) =>
  Uint8Array.from(text.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
const ascii = (text: string) => new TextEncoder().encode(text);

async function webCryptoHmac(key: Uint8Array<ArrayBuffer>, message: Uint8Array<ArrayBuffer>) {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, message));
}

/**
 * Known answers (FIPS 180-4, RFC 4231, RFC 4648) and WebCrypto / btoa cross-checks for one
 * {@link SigningCrypto}: sha256.test.ts runs them on the portable default, the daemon on its
 * `node:crypto` adapter.
 */
export function signingCryptoSuite(signingCrypto: SigningCrypto): void {
  const { createHmacSha256, base64urlEncode, base64urlDecode } = signingCrypto;
  const decodedHex = (text: string) => {
    const bytes = base64urlDecode(text);
    return bytes === null ? null : hex(bytes);
  };

  describe("sha256", () => {
    it("matches the FIPS 180-4 / NIST example vectors", () => {
      expect(hex(signingCrypto.sha256(ascii("")))).toBe(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      );
      expect(hex(signingCrypto.sha256(ascii("abc")))).toBe(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      );
      expect(
        hex(
          signingCrypto.sha256(ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
        ),
      ).toBe("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
      expect(hex(signingCrypto.sha256(new Uint8Array(1_000_000).fill(0x61)))).toBe(
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
      );
    });

    it("agrees with WebCrypto at every length around the block boundaries and for 200 random inputs", async () => {
      const lengths = [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000];
      for (const length of lengths) {
        const data = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
        expect(hex(signingCrypto.sha256(data)), `length ${length}`).toBe(
          hex(new Uint8Array(await crypto.subtle.digest("SHA-256", data))),
        );
      }
      const rand = seededRandom(3);
      for (let i = 0; i < 200; i++) {
        const data = randomBytesFrom(rand, 300);
        expect(hex(signingCrypto.sha256(data))).toBe(
          hex(new Uint8Array(await crypto.subtle.digest("SHA-256", data))),
        );
      }
    });

    it("hashes a subarray view by its own bytes only", () => {
      const backing = ascii("xxabcxx");
      expect(hex(signingCrypto.sha256(backing.subarray(2, 5)))).toBe(
        hex(signingCrypto.sha256(ascii("abc"))),
      );
    });
  });

  describe("HMAC-SHA256", () => {
    // RFC 4231 test cases 1, 2, 3, 4, 6 and 7 (6 and 7 use a 131-byte key, hashed first).
    const cases: [string, Uint8Array, Uint8Array, string][] = [
      [
        "1",
        new Uint8Array(20).fill(0x0b),
        ascii("Hi There"),
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
      ],
      [
        "2",
        ascii("Jefe"),
        ascii("what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
      ],
      [
        "3",
        new Uint8Array(20).fill(0xaa),
        new Uint8Array(50).fill(0xdd),
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
      ],
      [
        "4",
        fromHex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
        new Uint8Array(50).fill(0xcd),
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
      ],
      [
        "6",
        new Uint8Array(131).fill(0xaa),
        ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
      ],
      [
        "7",
        new Uint8Array(131).fill(0xaa),
        ascii(
          "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
        ),
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
      ],
    ];
    for (const [name, key, message, expected] of cases) {
      it(`matches RFC 4231 test case ${name}`, () => {
        expect(hex(createHmacSha256(key)(message))).toBe(expected);
        // A string message is MACed as its UTF-8 bytes (here ASCII or raw bytes as latin1 are not the same).
        if (message.every((b) => b < 0x80)) {
          expect(hex(createHmacSha256(key)(new TextDecoder().decode(message)))).toBe(expected);
        }
      });
    }

    it("agrees with WebCrypto HMAC for 200 random keys and messages, reusing each prepared key", async () => {
      const rand = seededRandom(11);
      for (let i = 0; i < 200; i++) {
        // WebCrypto refuses empty keys, so lengths start at 1.
        const key = Uint8Array.from({ length: 1 + Math.floor(rand() * (i % 2 ? 200 : 64)) }, () =>
          Math.floor(rand() * 256),
        );
        const mac = createHmacSha256(key);
        const text = randomTextFrom(rand, 100);
        expect(hex(mac(text))).toBe(hex(await webCryptoHmac(key, ascii(text))));
        for (let j = 0; j < 2; j++) {
          const message = randomBytesFrom(rand, 400);
          expect(hex(mac(message))).toBe(hex(await webCryptoHmac(key, message)));
        }
      }
    });
  });

  describe("HMAC-SHA256 message sizes", () => {
    it("MACs messages of any size in any order with one prepared key, strings as UTF-8", async () => {
      const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
      const mac = createHmacSha256(key);
      for (const length of [0, 1, 2000, 10, 70_000, 5, 1100]) {
        const bytes = Uint8Array.from({ length }, (_, i) => (i * 13 + length) & 0xff);
        expect(hex(mac(bytes)), `bytes ${length}`).toBe(hex(await webCryptoHmac(key, bytes)));
        const text = "aé漢🙂".repeat(length / 4);
        expect(hex(mac(text)), `text ${length}`).toBe(hex(await webCryptoHmac(key, ascii(text))));
      }
    });
  });

  describe("base64url", () => {
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
        expect(base64urlEncode(ascii(plain))).toBe(encoded);
        expect(decodedHex(encoded)).toBe(hex(ascii(plain)));
      }
      expect(base64urlEncode(new Uint8Array([0xfb, 0xff]))).toBe("-_8");
      expect(decodedHex("-_8")).toBe("fbff");
    });

    it("round-trips 300 random byte strings (views too) and agrees with btoa", () => {
      const rand = seededRandom(1);
      for (let i = 0; i < 300; i++) {
        const bytes = randomBytesFrom(rand, 80);
        const view = new Uint8Array(bytes.length + 4);
        view.set(bytes, 2);
        const encoded = base64urlEncode(i % 2 ? bytes : view.subarray(2, 2 + bytes.length));
        expect(encoded).toBe(refBase64url(bytes));
        expect(decodedHex(encoded)).toBe(hex(bytes));
      }
    });

    it("refuses padding, foreign characters, impossible lengths and non-canonical trailing bits", () => {
      const bad = ["Zg==", "Zm9v+", "Zm9v/", "Z", "Zm9vY", "Zh", "Zm9", "Zm+v", "Zm v", "Zé"];
      bad.push("Zm9v\n", " Zm9v", "Zm9v=", "Zm.9", "Zm\u0000v", "Zg=", "_-_-_", "AB", "AAB");
      for (const text of bad) expect(base64urlDecode(text), JSON.stringify(text)).toBeNull();
    });

    it("accepts exactly one spelling of every 1- and 2-byte value", () => {
      for (let a = 0; a < 256; a++) {
        const one = new Uint8Array([a]);
        const spelled = base64urlEncode(one);
        expect(decodedHex(spelled)).toBe(hex(one));
        // The other 15 values of the last character differ only in bits that must be zero.
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        const last = alphabet.indexOf(spelled[1] as string);
        for (let other = 0; other < 64; other++) {
          if (other === last) continue;
          const variant = `${spelled[0]}${alphabet[other]}`;
          const decoded = decodedHex(variant);
          if (decoded !== null)
            expect(base64urlEncode(base64urlDecode(variant) as Uint8Array)).toBe(variant);
        }
        for (let b = 0; b < 256; b += 17) {
          const two = new Uint8Array([a, b]);
          expect(decodedHex(base64urlEncode(two))).toBe(hex(two));
        }
      }
    });
  });
}
