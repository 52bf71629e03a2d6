/**
 * The claims of a platform → daemon request token and the rules a verifier reads them by: who
 * issues them, how long they may live, the clock skew allowed (ARCHITECTURE "signed requests").
 */

/** `iss` of every platform → daemon request token. */
export const PLATFORM_ISSUER = "iterate-platform";
/** Longest lifetime (exp − iat) a request token may have, in seconds. */
export const REQUEST_TOKEN_MAX_LIFETIME_SECONDS = 60;
/** Clock difference between platform and daemon tolerated on iat/nbf/exp, in seconds. */
export const CLOCK_SKEW_SECONDS = 30;

/** The claims of a platform → daemon request token (ARCHITECTURE "signed requests"). */
export interface RequestClaims {
  iss: typeof PLATFORM_ISSUER;
  /** The machine id (a verifier also accepts an array containing it). */
  aud: string | string[];
  iat: number;
  exp: number;
  nbf?: number;
  jti: string;
  /** HTTP method, upper case. */
  htm: string;
  /** Path plus query exactly as sent, e.g. `/agents/s1?offset=-1`. */
  htu: string;
  /** Base64url SHA-256 of the body bytes; absent when the body is empty. */
  bh?: string;
}

/** The payload as request claims, or null when any claim is missing, mistyped or out of range. */
export function readClaims(payload: Record<string, unknown>): RequestClaims | null {
  const { iss, aud, iat, exp, nbf, jti, htm, htu, bh } = payload;
  const audOk =
    (typeof aud === "string" && aud.length > 0) ||
    (Array.isArray(aud) && aud.length > 0 && aud.every((a) => typeof a === "string"));
  if (iss !== PLATFORM_ISSUER || !audOk) return null;
  if (!isNumericDate(iat) || !isNumericDate(exp) || (nbf !== undefined && !isNumericDate(nbf))) {
    return null;
  }
  // A token living longer than the contract allows would also outlive the replay window.
  if (exp < iat || exp - iat > REQUEST_TOKEN_MAX_LIFETIME_SECONDS) return null;
  if (typeof jti !== "string" || jti.length === 0 || jti.length > 256) return null;
  if (typeof htm !== "string" || htm.length === 0 || typeof htu !== "string" || htu.length === 0) {
    return null;
  }
  if (bh !== undefined && typeof bh !== "string") return null;
  return payload as unknown as RequestClaims;
}

function isNumericDate(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}
