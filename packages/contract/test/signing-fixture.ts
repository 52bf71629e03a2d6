import {
  createReplayCache,
  type VerifyRequestOptions,
  type VerifyRequestResult,
  verifyRequest,
} from "../src/index.ts";
import { refBase64url, refSha256, refSignJwt, sequentialBytes } from "./support.ts";

/** Shared fixture for the signing tests: one machine, one secret, one fixed clock. */
export const SECRET_BYTES = sequentialBytes(32, 100);
export const SECRET = refBase64url(SECRET_BYTES);
export const MACHINE_ID = "mch_0123456789abcdefghij";
export const T0_MS = 1_800_000_000_000;
export const T0 = T0_MS / 1000;
export const BODY = '{"repo":{"url":"https://example.com/r.git"}}';
export const PATH = "/platform/bootstrap?x=1";
export const URL_AS_RECEIVED = `http://127.0.0.1:3000${PATH}`;

/** Claims of a correct token for the fixture request; `undefined` in overrides deletes a claim. */
export async function fixtureClaims(overrides: Record<string, unknown> = {}) {
  const claims: Record<string, unknown> = {
    iss: "iterate-platform",
    aud: MACHINE_ID,
    iat: T0,
    exp: T0 + 60,
    jti: crypto.randomUUID(),
    htm: "POST",
    htu: PATH,
    bh: await refSha256(BODY),
    ...overrides,
  };
  for (const [name, value] of Object.entries(overrides))
    if (value === undefined) delete claims[name];
  return claims;
}

/** A token for the fixture request signed by raw WebCrypto, with claim overrides. */
export async function fixtureToken(overrides: Record<string, unknown> = {}, header?: unknown) {
  return refSignJwt(SECRET_BYTES, await fixtureClaims(overrides), header);
}

/** verifyRequest against the fixture request with a fresh replay cache, unless overridden. */
export type VerifyFixture = (
  token: string | null | undefined,
  options?: Partial<VerifyRequestOptions>,
) => Promise<VerifyRequestResult>;

/** A {@link VerifyFixture} over `verify` (a backend's verifyRequest; default the contract's). */
export function fixtureVerifier(verify = verifyRequest): VerifyFixture {
  return (token, options = {}) =>
    verify({
      token,
      secret: SECRET,
      machineId: MACHINE_ID,
      method: "POST",
      url: URL_AS_RECEIVED,
      body: BODY,
      now: () => T0_MS,
      replayCache: createReplayCache(),
      ...options,
    });
}

/** The fixture request verified with the contract's default (portable) crypto. */
export const verifyFixture: VerifyFixture = fixtureVerifier();
