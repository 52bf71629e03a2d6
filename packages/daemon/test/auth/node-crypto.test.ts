import { generateDaemonSecret, portableSigningCrypto } from "@iterate/contract";
import { describe, expect, it } from "vitest";
import { signingSuite } from "../../../contract/test/signing.suite.ts";
// The contract's own suites, run here on the Node adapter: the contract may not import
// node:crypto, so the adapter is proven where it lives (as hono proves its adapters).
import { signingBackend } from "../../../contract/test/signing-backend.ts";
import { signingCryptoSuite } from "../../../contract/test/signing-crypto.suite.ts";
import { signingTamperSuite } from "../../../contract/test/signing-tamper.suite.ts";
import { signingTwoPhaseSuite } from "../../../contract/test/signing-two-phase.suite.ts";
import { nodeSigningCrypto } from "../../src/auth/node-crypto.ts";

describe("node:crypto signing crypto", () => {
  signingCryptoSuite(nodeSigningCrypto);
  const backend = signingBackend(nodeSigningCrypto);
  signingSuite(backend);
  signingTamperSuite(backend);
  signingTwoPhaseSuite(backend);
});

describe("node:crypto and portable signing crypto agree", () => {
  it("on base64url of every text up to 4 characters over a small alphabet, valid or not", () => {
    const alphabet = [
      "A",
      "B",
      "Q",
      "g",
      "w",
      "z",
      "0",
      "8",
      "-",
      "_",
      "=",
      "+",
      "/",
      ".",
      " ",
      "é",
    ];
    const hex = (bytes: Uint8Array | null) =>
      bytes === null ? null : Buffer.from(bytes).toString("hex");
    let texts = [""];
    for (let length = 1; length <= 4; length++) {
      texts = texts.flatMap((t) => alphabet.map((c) => t + c));
      for (const text of texts) {
        expect(hex(nodeSigningCrypto.base64urlDecode(text)), JSON.stringify(text)).toBe(
          hex(portableSigningCrypto.base64urlDecode(text)),
        );
      }
    }
  });

  it("on the signature and body hash texts, at every length around the block size", () => {
    const { createHmacSha256Base64url, sha256Base64url } = nodeSigningCrypto;
    if (!createHmacSha256Base64url || !sha256Base64url) throw new Error("node has both");
    const encode = portableSigningCrypto.base64urlEncode;
    for (const keyLength of [0, 1, 32, 64, 65, 200]) {
      const key = Uint8Array.from({ length: keyLength }, (_, i) => (i * 13 + 5) & 0xff);
      const text = createHmacSha256Base64url(key);
      const bytes = portableSigningCrypto.createHmacSha256(key);
      for (const length of [0, 1, 55, 56, 63, 64, 65, 1023, 1024, 1025, 5000]) {
        // Non-ASCII too: the message is MACed as its UTF-8 bytes.
        const message = "é🙂x".repeat(length).slice(0, length);
        expect(text(message), `key ${keyLength}, message ${length}`).toBe(encode(bytes(message)));
      }
    }
    for (const length of [0, 1, 55, 56, 64, 65, 4096]) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
      expect(sha256Base64url(data)).toBe(encode(portableSigningCrypto.sha256(data)));
    }
  });

  it("tokens signed by one verify with the other", async () => {
    const node = signingBackend(nodeSigningCrypto);
    const portable = signingBackend(portableSigningCrypto);
    const key = { secret: generateDaemonSecret(), machineId: "mch_x" };
    for (const [signer, verifier] of [
      [node, portable],
      [portable, node],
    ] as const) {
      const request = { ...key, method: "POST", url: "/agents/s?x=1", body: "x".repeat(5000) };
      const token = await signer.signRequest(request);
      expect((await verifier.verifyRequest({ ...request, token })).ok).toBe(true);
    }
  });
});
