import { describe, expect, it } from "vitest";
import { ConfigError, createKeyring, DecryptionError, envelopeKeyId } from "../src/index.ts";
import { randomTextFrom, refFromBase64url, seededRandom, sequentialBytes } from "./support.ts";

// Fixed keys: bytes 0..31 (current) and 32..63 (previous), in standard base64.
const KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const PREVIOUS_KEY = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
// Produced once by this implementation and pasted here: the format must never drift.
const VECTOR = {
  aad: "machines.daemon_secret:mch_0123456789abcdefghij",
  plaintext: "daemon-secret-✓",
  envelope: "v1.Yw3NKWbE.Z8AyWQF0hxSXQ9nB.CtIvy0YbWwDNySZ4RevjzcNT7JS3Dhprssw37KeLVfBL",
};
const PREVIOUS_VECTOR = {
  aad: "slack_installations.bot_token:T012345",
  plaintext: "xoxb-previous-key",
  envelope: "v1.ctu3M2x2.ffxDgPvTrG-RFGLL.CMIG53PV8gWke4nsCZC9bnvF57WQpKgC_L4XboxTevLD",
};
const EMPTY_VECTOR = {
  aad: "env_vars.value:ins_0123456789abcdefghij/EMPTY",
  envelope: "v1.Yw3NKWbE.HecCqy_vZZld2wMn.5v3Pf0cNf38ca2sCD3GQGA",
};
const AAD = "env_vars.value:ins_0123456789abcdefghij/API_KEY";

async function expectDecryptionError(promise: Promise<unknown>, reason?: string) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DecryptionError);
  if (reason) expect((error as DecryptionError).reason).toBe(reason);
}

describe("envelope known answers", () => {
  it("opens the pasted v1 vector with the fixed key", async () => {
    const keyring = await createKeyring({ current: KEY });
    expect(keyring.keyId).toBe("Yw3NKWbE");
    expect(await keyring.decrypt(VECTOR.envelope, VECTOR.aad)).toBe(VECTOR.plaintext);
    expect(await keyring.decrypt(EMPTY_VECTOR.envelope, EMPTY_VECTOR.aad)).toBe("");
  });

  it("is plain AES-256-GCM over the parts: raw WebCrypto opens the vector too", async () => {
    const [version, keyId, iv, ciphertext] = VECTOR.envelope.split(".") as [
      string,
      string,
      string,
      string,
    ];
    expect([version, keyId]).toEqual(["v1", "Yw3NKWbE"]);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", sequentialBytes(32)));
    const expectedId = btoa(String.fromCharCode(...digest))
      .replace(/\+/g, "-")
      .replace(/\//g, "_");
    expect(expectedId.slice(0, 8)).toBe(keyId);
    const key = await crypto.subtle.importKey("raw", sequentialBytes(32), "AES-GCM", false, [
      "decrypt",
    ]);
    const plain = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: refFromBase64url(iv),
        additionalData: new TextEncoder().encode(VECTOR.aad),
      },
      key,
      refFromBase64url(ciphertext),
    );
    expect(new TextDecoder().decode(plain)).toBe(VECTOR.plaintext);
  });

  it("seals with a fresh 12-byte IV each time, naming the current key", async () => {
    const keyring = await createKeyring({ current: KEY });
    const a = await keyring.encrypt("same", AAD);
    const b = await keyring.encrypt("same", AAD);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.Yw3NKWbE\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(refFromBase64url(a.split(".")[2] as string)).toHaveLength(12);
    expect(envelopeKeyId(a)).toBe("Yw3NKWbE");
    expect(envelopeKeyId("nope")).toBeNull();
  });
});

describe("envelope tamper resistance", () => {
  it("throws DecryptionError for the wrong AAD", async () => {
    const keyring = await createKeyring({ current: KEY });
    await expectDecryptionError(
      keyring.decrypt(VECTOR.envelope, `${VECTOR.aad}x`),
      "authentication_failed",
    );
    await expectDecryptionError(
      keyring.decrypt(VECTOR.envelope, "machines.daemon_secret:mch_other"),
    );
  });

  it("throws DecryptionError for a different key with the same key id slot", async () => {
    const other = await createKeyring({ current: PREVIOUS_KEY });
    await expectDecryptionError(other.decrypt(VECTOR.envelope, VECTOR.aad), "unknown_key");
    const relabelled = VECTOR.envelope.replace("Yw3NKWbE", other.keyId);
    await expectDecryptionError(other.decrypt(relabelled, VECTOR.aad), "authentication_failed");
  });

  it("throws DecryptionError for every flipped character of the envelope", async () => {
    const keyring = await createKeyring({ current: KEY });
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (let i = 0; i < VECTOR.envelope.length; i++) {
      const original = VECTOR.envelope[i] as string;
      if (original === ".") continue;
      const replacement = alphabet[(alphabet.indexOf(original) + 1) % alphabet.length] as string;
      const tampered = VECTOR.envelope.slice(0, i) + replacement + VECTOR.envelope.slice(i + 1);
      await expectDecryptionError(keyring.decrypt(tampered, VECTOR.aad));
    }
  });

  it("throws DecryptionError for every flipped bit of IV and ciphertext bytes", async () => {
    const keyring = await createKeyring({ current: KEY });
    const [v, id, ivText, ctText] = VECTOR.envelope.split(".") as [string, string, string, string];
    const iv = refFromBase64url(ivText);
    const ct = refFromBase64url(ctText);
    const encode = (b: Uint8Array) =>
      btoa(String.fromCharCode(...b))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")
        .replace(/=+$/, "");
    for (const [which, bytes] of [
      ["iv", iv],
      ["ct", ct],
    ] as const) {
      for (let i = 0; i < bytes.length * 8; i += 3) {
        const copy = bytes.slice();
        copy[i >> 3] = (copy[i >> 3] as number) ^ (1 << (i & 7));
        const tampered =
          which === "iv"
            ? `${v}.${id}.${encode(copy)}.${ctText}`
            : `${v}.${id}.${ivText}.${encode(copy)}`;
        await expectDecryptionError(keyring.decrypt(tampered, VECTOR.aad), "authentication_failed");
      }
    }
  });

  it("throws DecryptionError (malformed) for envelopes of the wrong shape", async () => {
    const keyring = await createKeyring({ current: KEY });
    const [, , iv, ct] = VECTOR.envelope.split(".") as [string, string, string, string];
    const malformed = [
      "",
      "v1",
      `v2.Yw3NKWbE.${iv}.${ct}`,
      `v1.Yw3NKWbE.${iv}`,
      `v1.Yw3NKWbE.${iv}.${ct}.extra`,
      `v1.Yw3NKWb.${iv}.${ct}`,
      `v1.Yw3NKWbE.${iv.slice(0, -1)}.${ct}`,
      `v1.Yw3NKWbE.${iv}AA.${ct}`,
      `v1.Yw3NKWbE.${iv}.${ct.slice(0, 20)}`,
      `v1.Yw3NKWbE.${iv}.${ct}=`,
      `v1.Yw3NKWbE.${iv}.${ct.replace(/.$/, "+")}`,
    ];
    for (const envelope of malformed) {
      await expectDecryptionError(keyring.decrypt(envelope, VECTOR.aad), "malformed");
    }
    await expectDecryptionError(
      keyring.decrypt(null as unknown as string, VECTOR.aad),
      "malformed",
    );
  });
});

describe("key rotation", () => {
  it("decrypts envelopes of either key and always encrypts with the current one", async () => {
    const keyring = await createKeyring({ current: KEY, previous: PREVIOUS_KEY });
    expect(await keyring.decrypt(PREVIOUS_VECTOR.envelope, PREVIOUS_VECTOR.aad)).toBe(
      PREVIOUS_VECTOR.plaintext,
    );
    expect(await keyring.decrypt(VECTOR.envelope, VECTOR.aad)).toBe(VECTOR.plaintext);
    const resealed = await keyring.encrypt(PREVIOUS_VECTOR.plaintext, PREVIOUS_VECTOR.aad);
    expect(envelopeKeyId(resealed)).toBe(keyring.keyId);
    const currentOnly = await createKeyring({ current: KEY });
    expect(await currentOnly.decrypt(resealed, PREVIOUS_VECTOR.aad)).toBe(
      PREVIOUS_VECTOR.plaintext,
    );
  });

  it("stops opening old envelopes once the previous key is dropped", async () => {
    const keyring = await createKeyring({ current: KEY });
    await expectDecryptionError(
      keyring.decrypt(PREVIOUS_VECTOR.envelope, PREVIOUS_VECTOR.aad),
      "unknown_key",
    );
  });

  it("treats an empty ENCRYPTION_KEY_PREVIOUS as unset and tolerates previous == current", async () => {
    expect((await createKeyring({ current: KEY, previous: "" })).keyId).toBe("Yw3NKWbE");
    const same = await createKeyring({ current: KEY, previous: KEY });
    expect(await same.decrypt(VECTOR.envelope, VECTOR.aad)).toBe(VECTOR.plaintext);
  });
});

describe("key configuration", () => {
  async function configError(current: string | undefined, previous?: string) {
    const error = await createKeyring({ current, previous }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }

  it("accepts the same 32 bytes as padded, unpadded, url-safe or whitespace-wrapped base64", async () => {
    const variants = [KEY, KEY.replace(/=+$/, ""), `  ${KEY}\n`];
    for (const current of variants)
      expect((await createKeyring({ current })).keyId).toBe("Yw3NKWbE");
    const urlKey = `-_8${"A".repeat(40)}`;
    const std = `+/8${"A".repeat(40)}=`;
    expect((await createKeyring({ current: urlKey })).keyId).toBe(
      (await createKeyring({ current: std })).keyId,
    );
  });

  it("names ENCRYPTION_KEY when it is missing, short, long or not base64", async () => {
    const bad = [
      undefined,
      "",
      "   ",
      "c2hvcnQ=",
      `${KEY.slice(0, -1)}AAAA`,
      `${KEY}!`,
      "not base64 at all",
    ];
    for (const current of bad) {
      const error = await configError(current);
      expect(error.variable).toBe("ENCRYPTION_KEY");
      expect(error.message).toContain("ENCRYPTION_KEY");
      if (current?.trim()) expect(error.message).not.toContain(current.trim());
    }
  });

  it("names ENCRYPTION_KEY_PREVIOUS when only the previous key is malformed", async () => {
    const error = await configError(KEY, "AAAA");
    expect(error.variable).toBe("ENCRYPTION_KEY_PREVIOUS");
    expect(error.message).toContain("ENCRYPTION_KEY_PREVIOUS");
  });
});

describe("envelope round trips", () => {
  it("opens what it sealed for 200 random plaintexts and AADs, and refuses a changed AAD", async () => {
    const keyring = await createKeyring({ current: KEY, previous: PREVIOUS_KEY });
    const rand = seededRandom(7);
    for (let i = 0; i < 200; i++) {
      const plaintext = randomTextFrom(rand, 64);
      const aad = `t.c:${randomTextFrom(rand, 16)}`;
      const sealed = await keyring.encrypt(plaintext, aad);
      expect(await keyring.decrypt(sealed, aad)).toBe(plaintext);
      if (i % 10 === 0) await expectDecryptionError(keyring.decrypt(sealed, `${aad}.`));
    }
  });
});
