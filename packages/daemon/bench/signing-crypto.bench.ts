/**
 * What each signing primitive costs on the contract's portable backend (@noble/hashes and its
 * own base64url) and on the daemon's `nodeSigningCrypto`, over what a signed 100 B append
 * makes the daemon do: the HMAC of a request token and the SHA-256 of the body (both as the
 * base64url they are compared as), base64url decoding of the token's claims — and
 * `verifyRequestHeader` as a whole.
 * Best of 5 runs of 200 000 calls each, after a warmup; warm CPU (a request served after an
 * idle gap runs several times slower, see docs/streams.md).
 *
 * Run: `tsx bench/signing-crypto.bench.ts`.
 */
import {
  generateDaemonSecret,
  portableSigningCrypto,
  type SigningCrypto,
  signRequest,
  verifyRequestHeader,
} from "@iterate/contract";
import { nodeSigningCrypto } from "../src/auth/node-crypto.ts";

const CALLS = Number(process.env.BENCH_CALLS ?? 200_000);
const secret = generateDaemonSecret();
const machineId = "mch_bench";
const url = "/agents/bench-tp-1764590000000";
const body = new Uint8Array(100).fill(120);
// Distinct tokens, as under load (a verifier never sees the same token twice).
const tokens: string[] = [];
for (let i = 0; i < 1024; i++) {
  tokens.push(await signRequest({ secret, machineId, method: "POST", url, body }));
}
const sample = tokens[0] as string;
const [, payload] = sample.split(".") as [string, string];
const signingInput = sample.slice(0, sample.lastIndexOf("."));

/** Best-of-5 µs per call of `fn`. */
function measure(fn: (i: number) => unknown): number {
  for (let i = 0; i < CALLS / 10; i++) fn(i);
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) fn(i);
    best = Math.min(best, Number(process.hrtime.bigint() - started) / CALLS / 1000);
  }
  return best;
}

function primitives(signingCrypto: SigningCrypto): Record<string, (i: number) => unknown> {
  const keyBytes = signingCrypto.base64urlDecode(secret) as Uint8Array;
  const mac = signingCrypto.createHmacSha256(keyBytes);
  // What verification asks for: the signature and the body hash as base64url text, in one step
  // where the backend offers it (hs256.ts, signing.ts).
  const macText = signingCrypto.createHmacSha256Base64url?.(keyBytes);
  const { sha256Base64url } = signingCrypto;
  return {
    [`HMAC-SHA256 of the token (${signingInput.length} B) as base64url`]: macText
      ? () => macText(signingInput)
      : () => signingCrypto.base64urlEncode(mac(signingInput)),
    "SHA-256 of a 100 B body as base64url": sha256Base64url
      ? () => sha256Base64url(body)
      : () => signingCrypto.base64urlEncode(signingCrypto.sha256(body)),
    [`base64url decode of the claims (${payload.length} chars)`]: () =>
      signingCrypto.base64urlDecode(payload),
    "verifyRequestHeader (MAC, claims, checks)": (i) =>
      verifyRequestHeader({
        token: tokens[i & 1023],
        secret,
        machineId,
        method: "POST",
        url,
        signingCrypto,
      }),
  };
}

const portable = primitives(portableSigningCrypto);
const node = primitives(nodeSigningCrypto);
const rows = Object.keys(portable).map((name) => {
  const a = measure(portable[name] as (i: number) => unknown);
  const b = measure(node[name] as (i: number) => unknown);
  return [name, a.toFixed(2), b.toFixed(2), `${(a / b).toFixed(1)}×`];
});
const header = ["primitive (µs per call)", "portable", "node", "speed-up"];
const widths = header.map((h, i) =>
  Math.max(h.length, ...rows.map((r) => (r[i] as string).length)),
);
const line = (cells: string[]) =>
  cells
    .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
    .join("  ");
console.log(line(header));
for (const row of rows) console.log(line(row));
