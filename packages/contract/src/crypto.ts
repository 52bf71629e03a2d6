import {
  base64Decode,
  base64urlDecode,
  base64urlEncode,
  fromUtf8,
  randomBytes,
  utf8,
} from "./encoding.ts";
import { AppError } from "./errors.ts";

/** Version tag of the envelope format `v1.<keyId>.<iv>.<ciphertext>`. */
export const ENVELOPE_VERSION = "v1";
/** AES-GCM IV length in bytes (the size GCM is specified for). */
export const ENVELOPE_IV_BYTES = 12;
/** AES-GCM tag length in bytes; every ciphertext is at least this long. */
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** The environment variables a keyring is built from. */
export type KeyVariable = "ENCRYPTION_KEY" | "ENCRYPTION_KEY_PREVIOUS";

/**
 * A required setting is missing or malformed. `variable` names it; the value is never echoed.
 * @example catch (e) { if (e instanceof ConfigError) console.error(e.variable) }
 */
export class ConfigError extends AppError {
  readonly variable: string;

  constructor(variable: string, message: string) {
    super("internal_error", message, 500);
    this.name = "ConfigError";
    this.variable = variable;
  }
}

/** Why an envelope did not open: its shape, its key, or its authentication tag. */
export type DecryptionFailure = "malformed" | "unknown_key" | "authentication_failed";

/**
 * An envelope could not be opened: malformed, sealed with a key this keyring lacks,
 * bound to a different AAD, or altered. Decryption never returns garbage instead.
 */
export class DecryptionError extends AppError {
  readonly reason: DecryptionFailure;

  constructor(reason: DecryptionFailure, message: string) {
    super("internal_error", message, 500);
    this.name = "DecryptionError";
    this.reason = reason;
  }
}

/** Seals and opens AES-256-GCM envelopes; encrypts with the current key, decrypts with any. */
export interface Keyring {
  /** Id of the current key: first 8 base64url characters of SHA-256 of its bytes. */
  readonly keyId: string;
  /** Seals `plaintext`, bound to `aad` (convention `"<table>.<column>:<rowKey>"`). */
  encrypt(plaintext: string, aad: string): Promise<string>;
  /** Opens an envelope sealed with the same `aad`; throws DecryptionError otherwise. */
  decrypt(envelope: string, aad: string): Promise<string>;
}

export interface KeyringOptions {
  /** `ENCRYPTION_KEY`: base64 (standard or url-safe, padding optional) of exactly 32 bytes. */
  current: string | undefined;
  /** `ENCRYPTION_KEY_PREVIOUS`: the key being rotated out; still decrypts, never encrypts. */
  previous?: string | undefined;
}

interface LoadedKey {
  id: string;
  key: CryptoKey;
}

/**
 * Builds a keyring from `ENCRYPTION_KEY` (and optionally `ENCRYPTION_KEY_PREVIOUS`).
 * Throws ConfigError naming the variable when a key is missing or not 32 bytes of base64.
 * @example
 * const keyring = await createKeyring({ current: env.ENCRYPTION_KEY, previous: env.ENCRYPTION_KEY_PREVIOUS });
 * const sealed = await keyring.encrypt(secret, `machines.daemon_secret:${machineId}`);
 * const opened = await keyring.decrypt(sealed, `machines.daemon_secret:${machineId}`);
 */
export async function createKeyring(options: KeyringOptions): Promise<Keyring> {
  const current = await loadKey("ENCRYPTION_KEY", options.current);
  const keys = new Map<string, CryptoKey>([[current.id, current.key]]);
  const previousText = options.previous?.trim();
  if (previousText) {
    const previous = await loadKey("ENCRYPTION_KEY_PREVIOUS", previousText);
    if (!keys.has(previous.id)) keys.set(previous.id, previous.key);
  }

  return {
    keyId: current.id,
    async encrypt(plaintext, aad) {
      const iv = randomBytes(ENVELOPE_IV_BYTES);
      const sealed = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: utf8(aad) },
        current.key,
        utf8(plaintext),
      );
      const ciphertext = base64urlEncode(new Uint8Array(sealed));
      return `${ENVELOPE_VERSION}.${current.id}.${base64urlEncode(iv)}.${ciphertext}`;
    },
    async decrypt(envelope, aad) {
      const parsed = parseEnvelope(envelope);
      const key = keys.get(parsed.keyId);
      if (!key) throw new DecryptionError("unknown_key", "Envelope was sealed with an unknown key");
      let opened: ArrayBuffer;
      try {
        opened = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: parsed.iv, additionalData: utf8(aad) },
          key,
          parsed.ciphertext,
        );
      } catch {
        throw new DecryptionError(
          "authentication_failed",
          "Envelope failed authentication (wrong key, wrong AAD or altered)",
        );
      }
      const text = fromUtf8(new Uint8Array(opened));
      if (text === null) throw new DecryptionError("malformed", "Envelope plaintext is not UTF-8");
      return text;
    },
  };
}

/**
 * Reads the key id an envelope names, or null when it is not a v1 envelope.
 * Lets callers find rows still sealed with the previous key during rotation.
 * @example envelopeKeyId(row.value) === keyring.keyId
 */
export function envelopeKeyId(envelope: string): string | null {
  try {
    return parseEnvelope(envelope).keyId;
  } catch {
    return null;
  }
}

function parseEnvelope(envelope: string): {
  keyId: string;
  iv: Uint8Array<ArrayBuffer>;
  ciphertext: Uint8Array<ArrayBuffer>;
} {
  const parts = typeof envelope === "string" ? envelope.split(".") : [];
  const [version, keyId, ivText, ciphertextText] = parts;
  if (
    parts.length !== 4 ||
    version !== ENVELOPE_VERSION ||
    !keyId ||
    !/^[A-Za-z0-9_-]{8}$/.test(keyId)
  ) {
    throw new DecryptionError("malformed", "Not a v1 envelope");
  }
  const iv = base64urlDecode(ivText as string);
  const ciphertext = base64urlDecode(ciphertextText as string);
  if (!iv || iv.length !== ENVELOPE_IV_BYTES || !ciphertext || ciphertext.length < TAG_BYTES) {
    throw new DecryptionError("malformed", "Not a v1 envelope");
  }
  return { keyId, iv, ciphertext };
}

async function loadKey(variable: KeyVariable, value: string | undefined): Promise<LoadedKey> {
  const text = value?.trim();
  if (!text) throw new ConfigError(variable, `${variable} is not set`);
  const bytes = base64Decode(text);
  if (!bytes || bytes.length !== KEY_BYTES) {
    throw new ConfigError(
      variable,
      `${variable} must be base64 of exactly ${KEY_BYTES} random bytes (e.g. \`openssl rand -base64 32\`)`,
    );
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const key = await crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]);
  return { id: base64urlEncode(digest).slice(0, 8), key };
}
