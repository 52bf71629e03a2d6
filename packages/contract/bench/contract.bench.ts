/**
 * `pnpm --filter @iterate/contract bench`: per-request cost of signing + verifying a platform →
 * daemon request, and of sealing + opening a 32-byte secret, each against a bare baseline
 * measured in the same run; and replay-cache claim() throughput when full vs empty.
 * Target: sign+verify < 50 µs per request.
 */
import { jwtVerify, SignJWT } from "jose";
import {
  base64urlDecode,
  base64urlEncode,
  createHmacSha256,
  createKeyring,
  createReplayCache,
  generateDaemonSecret,
  PLATFORM_ISSUER,
  sha256Base64url,
  signRequest,
  utf8,
  verifyRequest,
} from "../src/index.ts";
import { type BenchResult, printTable, runBench } from "./harness.ts";

const TARGET_US = 50;
const secret = generateDaemonSecret();
const secretBytes = base64urlDecode(secret) as Uint8Array<ArrayBuffer>;
const machineId = "mch_0123456789abcdefghij";
const url = "http://127.0.0.1:3000/platform/bootstrap?x=1";
const body = utf8('{"repo":{"url":"https://example.com/acme/repo.git","ref":"main"}}');
// Big enough that no token is evicted during the run, so every verify does the full work.
const replayCache = createReplayCache({ maxEntries: 10_000_000 });

async function signAndVerify(): Promise<void> {
  const token = await signRequest({ secret, machineId, method: "POST", url, body });
  const result = await verifyRequest({
    token,
    secret,
    machineId,
    method: "POST",
    url,
    body,
    replayCache,
  });
  if (!result.ok) throw new Error(`verify failed: ${result.code}`);
}

// Baseline: one bare HMAC-SHA256 (cached key) over the same bytes a request token signs.
const sampleToken = await signRequest({ secret, machineId, method: "POST", url, body });
const signingInput = utf8(sampleToken.slice(0, sampleToken.lastIndexOf(".")));
const hmacKey = await crypto.subtle.importKey(
  "raw",
  secretBytes,
  { name: "HMAC", hash: "SHA-256" },
  false,
  ["sign"],
);
const bareHmac = () => crypto.subtle.sign("HMAC", hmacKey, signingInput);
const nobleMac = createHmacSha256(secretBytes);
const bareNobleHmac = () => nobleMac(signingInput);

// Comparison: the same claims and checks through jose (SignJWT + jwtVerify), the library the issue named.
const joseCache = new Set<string>();
async function joseSignAndVerify(): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({
    htm: "POST",
    htu: "/platform/bootstrap?x=1",
    bh: await sha256Base64url(body),
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(PLATFORM_ISSUER)
    .setAudience(machineId)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .setJti(base64urlEncode(crypto.getRandomValues(new Uint8Array(16))))
    .sign(secretBytes);
  const { payload } = await jwtVerify(token, secretBytes, {
    algorithms: ["HS256"],
    issuer: PLATFORM_ISSUER,
    audience: machineId,
    clockTolerance: 30,
  });
  if (payload.bh !== (await sha256Base64url(body)) || joseCache.has(payload.jti as string))
    throw new Error("jose");
  joseCache.add(payload.jti as string);
}

const keyring = await createKeyring({
  current: base64urlEncode(crypto.getRandomValues(new Uint8Array(32))),
});
const daemonSecret = generateDaemonSecret(); // the 32-byte secret as stored: 43 characters
const aad = `machines.daemon_secret:${machineId}`;
async function encryptAndDecrypt(): Promise<void> {
  const opened = await keyring.decrypt(await keyring.encrypt(daemonSecret, aad), aad);
  if (opened !== daemonSecret) throw new Error("round trip failed");
}
const aesKey = await crypto.subtle.importKey(
  "raw",
  crypto.getRandomValues(new Uint8Array(32)),
  "AES-GCM",
  false,
  ["encrypt", "decrypt"],
);
const plainBytes = utf8(daemonSecret);
const aadBytes = utf8(aad);
async function bareAesGcm(): Promise<void> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: aadBytes },
    aesKey,
    plainBytes,
  );
  await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: aadBytes }, aesKey, sealed);
}

// Replay cache at steady state: 1 000 claims per (simulated) second, each token living 90 s
// (60 s + 30 s skew) and expiring on a whole second like verifyRequest's — more than 50 000
// live ids, so the full cache drops its soonest second (1 000 ids) every 1 000 claims. The empty
// one forgets each id by the next.
const REPLAY_HELD = 50_000;
const fullCache = createReplayCache({ maxEntries: REPLAY_HELD });
let fullClock = 0;
function claimFull(): void {
  fullClock += 1;
  const expiresAt = (Math.floor(fullClock / 1000) + 90) * 1000;
  if (!fullCache.claim(`full-${fullClock}`, expiresAt, fullClock)) throw new Error("refused");
}
for (let i = 0; i < REPLAY_HELD * 2; i++) claimFull();
if (fullCache.size <= REPLAY_HELD - 1_000) {
  throw new Error(`expected a full cache, got ${fullCache.size}`);
}
const emptyCache = createReplayCache({ maxEntries: REPLAY_HELD });
let emptyClock = 0;
function claimEmpty(): void {
  emptyClock += 1;
  if (!emptyCache.claim(`empty-${emptyClock}`, emptyClock + 1, emptyClock)) {
    throw new Error("refused");
  }
}

const results = await runBench([
  { name: "baseline: bare WebCrypto HMAC-SHA256 (same bytes)", fn: bareHmac },
  { name: "baseline: bare @noble/hashes HMAC-SHA256 (same bytes)", fn: bareNobleHmac },
  { name: "signRequest + verifyRequest", fn: signAndVerify },
  {
    name: "  signRequest only",
    fn: () => signRequest({ secret, machineId, method: "POST", url, body }),
  },
  { name: "jose SignJWT + jwtVerify (comparison)", fn: joseSignAndVerify },
  { name: "baseline: bare WebCrypto AES-GCM enc+dec", fn: bareAesGcm },
  { name: "keyring encrypt + decrypt (32-byte secret)", fn: encryptAndDecrypt },
  { name: "replay cache claim(), empty", fn: claimEmpty },
  { name: `replay cache claim(), ${REPLAY_HELD} held (full)`, fn: claimFull },
]);

const [hmac, nobleHmac, signVerify, , jose, aes, envelope, claimE, claimF] =
  results as BenchResult[] as [
    BenchResult,
    BenchResult,
    BenchResult,
    BenchResult,
    BenchResult,
    BenchResult,
    BenchResult,
    BenchResult,
    BenchResult,
  ];
// No Node types here: the contract (and its bench) stay web-standard.
const nodeVersion = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions
  ?.node;
console.log(
  `@iterate/contract bench — ${nodeVersion ? `Node ${nodeVersion}` : "non-Node runtime"}; median of 7 interleaved rounds`,
);
printTable(results);
console.log("");
console.log(`sign+verify / bare HMAC:         ${(signVerify.usPerOp / hmac.usPerOp).toFixed(2)}x`);
console.log(
  `sign+verify / bare noble HMAC:   ${(signVerify.usPerOp / nobleHmac.usPerOp).toFixed(2)}x`,
);
console.log(`jose sign+verify / bare HMAC:    ${(jose.usPerOp / hmac.usPerOp).toFixed(2)}x`);
console.log(`encrypt+decrypt / bare AES-GCM:  ${(envelope.usPerOp / aes.usPerOp).toFixed(2)}x`);
console.log(`claim() full / empty:            ${(claimF.usPerOp / claimE.usPerOp).toFixed(2)}x`);
const pass = signVerify.usPerOp < TARGET_US;
console.log(
  `target sign+verify < ${TARGET_US} µs per request: ${signVerify.usPerOp.toFixed(2)} µs → ${pass ? "PASS" : "FAIL"}`,
);
