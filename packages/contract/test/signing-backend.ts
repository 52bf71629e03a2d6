import {
  portableSigningCrypto,
  type SigningCrypto,
  signRequest,
  verifyRequest,
  verifyRequestBody,
  verifyRequestHeader,
} from "../src/index.ts";
import { fixtureVerifier, type VerifyFixture } from "./signing-fixture.ts";

/**
 * The signing functions bound to one {@link SigningCrypto}, so one suite (signing*.suite.ts,
 * signing-crypto.suite.ts) checks every backend: the contract runs them on its portable
 * default in Node and workerd, the daemon on its `node:crypto` adapter.
 */
export interface SigningBackend {
  signingCrypto: SigningCrypto;
  signRequest: typeof signRequest;
  verifyRequest: typeof verifyRequest;
  verifyRequestHeader: typeof verifyRequestHeader;
  verifyRequestBody: typeof verifyRequestBody;
  /** verifyRequest against the fixture request (signing-fixture.ts) on this backend. */
  verifyFixture: VerifyFixture;
}

/** Binds the signing functions to `signingCrypto`; a test's own `signingCrypto` option loses. */
export function signingBackend(signingCrypto: SigningCrypto): SigningBackend {
  const verify: typeof verifyRequest = (options) => verifyRequest({ ...options, signingCrypto });
  return {
    signingCrypto,
    signRequest: (options) => signRequest({ ...options, signingCrypto }),
    verifyRequest: verify,
    verifyRequestHeader: (options) => verifyRequestHeader({ ...options, signingCrypto }),
    verifyRequestBody: (claims, body, options = {}) =>
      verifyRequestBody(claims, body, { ...options, signingCrypto }),
    verifyFixture: fixtureVerifier(verify),
  };
}

/** The contract's default: @noble/hashes and its own base64url. */
export const portableSigningBackend: SigningBackend = signingBackend(portableSigningCrypto);
