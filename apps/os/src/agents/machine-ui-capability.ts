/**
 * Capabilities for the proxied machine UI (`/instances/:id/machine-ui/<capability>/…`).
 *
 * Why not the session cookie: the daemon's `/ui` page is HTML and script written by the machine,
 * and a machine is not trusted by the platform (its agents run whatever a Slack message talks
 * them into). Served on the platform's origin with the user's cookies, its script could act as
 * the user everywhere. So the proxy serves it with `Content-Security-Policy: sandbox
 * allow-scripts` — an opaque origin that holds no cookies and can read nothing of the
 * platform's — and the page's own requests (its live stream, its Stop button) carry their
 * authority in the URL instead: this capability, minted for a signed-in member.
 *
 * A capability is `<user id>.<expiry, unix seconds base 36>.<mac>`, the MAC an HMAC-SHA256
 * over the instance, user and expiry with a key derived (HKDF) from `ENCRYPTION_KEY`. It lives
 * an hour; each use checks it is still that user's instance (a removed member's links die).
 */
import {
  base64Decode,
  base64urlDecode,
  base64urlEncode,
  ConfigError,
  utf8,
} from "@iterate/contract";
import type { Bindings } from "../app-env.ts";

/** How long a machine UI link works. */
export const MACHINE_UI_TTL_SECONDS = 60 * 60;

const PATTERN = /^(usr_[A-Za-z0-9]{1,64})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{43})$/;
const keys = new Map<string, Promise<CryptoKey>>();

function macKey(env: Pick<Bindings, "ENCRYPTION_KEY">): Promise<CryptoKey> {
  const secret = env.ENCRYPTION_KEY ?? "";
  let key = keys.get(secret);
  if (!key) {
    key = (async () => {
      const bytes = base64Decode(secret);
      if (bytes?.byteLength !== 32) {
        throw new ConfigError("ENCRYPTION_KEY", "ENCRYPTION_KEY must be base64 of 32 bytes.");
      }
      const base = await crypto.subtle.importKey("raw", bytes, "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        {
          name: "HKDF",
          hash: "SHA-256",
          salt: new Uint8Array(0),
          info: utf8("iterate/machine-ui-capability/v1"),
        },
        base,
        { name: "HMAC", hash: "SHA-256", length: 256 },
        false,
        ["sign", "verify"],
      );
    })();
    key.catch(() => keys.delete(secret));
    keys.set(secret, key);
  }
  return key;
}

const message = (instanceId: string, userId: string, expiry: string) =>
  utf8(`machine-ui\n${instanceId}\n${userId}\n${expiry}`);

/**
 * A capability for `userId` on `instanceId`, valid for {@link MACHINE_UI_TTL_SECONDS}.
 * @example const cap = await mintMachineUiCapability(env, "ins_1", "usr_1");
 */
export async function mintMachineUiCapability(
  env: Pick<Bindings, "ENCRYPTION_KEY">,
  instanceId: string,
  userId: string,
  now: number = Date.now(),
): Promise<string> {
  const expiry = (Math.floor(now / 1000) + MACHINE_UI_TTL_SECONDS).toString(36);
  const mac = await crypto.subtle.sign(
    "HMAC",
    await macKey(env),
    message(instanceId, userId, expiry),
  );
  return `${userId}.${expiry}.${base64urlEncode(new Uint8Array(mac))}`;
}

/**
 * The user a capability was minted for, or null when it is malformed, forged, for another
 * instance or expired. The MAC is checked with `crypto.subtle.verify` (constant time).
 * @example const userId = await verifyMachineUiCapability(env, "ins_1", cap);
 */
export async function verifyMachineUiCapability(
  env: Pick<Bindings, "ENCRYPTION_KEY">,
  instanceId: string,
  capability: string,
  now: number = Date.now(),
): Promise<string | null> {
  const match = PATTERN.exec(capability);
  if (!match) return null;
  const [, userId = "", expiry = "", mac = ""] = match;
  const expiresAt = Number.parseInt(expiry, 36);
  const seconds = Math.floor(now / 1000);
  if (!(expiresAt > seconds && expiresAt <= seconds + MACHINE_UI_TTL_SECONDS)) return null;
  const bytes = base64urlDecode(mac);
  if (bytes?.byteLength !== 32) return null;
  const ok = await crypto.subtle.verify(
    "HMAC",
    await macKey(env),
    bytes,
    message(instanceId, userId, expiry),
  );
  return ok ? userId : null;
}
