import { isSecureOrLoopback, SECURE_TRANSPORT_RULE } from "./net/secure-transport.ts";

/** Options of {@link pingPlatform}. Clock, randomness and fetch are injectable for tests. */
export interface PingOptions {
  platformUrl: string;
  machineToken: string;
  machineId: string;
  /** The daemon secret the platform will sign its requests with. */
  secret: string;
  version: string;
  fetch?: typeof fetch;
  /** Waits `ms` or until `signal` aborts; defaults to a timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** [0, 1); defaults to Math.random. */
  random?: () => number;
  /** First retry delay; doubles per attempt. Default 200 ms. */
  baseDelayMs?: number;
  /** Upper bound of a retry delay. Default 10 s. */
  maxDelayMs?: number;
  /** Per-attempt timeout. Default 10 s. */
  attemptTimeoutMs?: number;
  /** One line per event; never receives the token or the secret. */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** How the "here I am" ended. */
export type PingOutcome =
  | { ok: true; attempts: number; status: number }
  | { ok: false; reason: "rejected"; attempts: number; status: number }
  /** 409: the platform already holds a different secret for this machine. */
  | { ok: false; reason: "conflict"; attempts: number; status: number }
  | { ok: false; reason: "aborted"; attempts: number }
  /** The platform URL is neither https nor loopback: nothing was sent. */
  | { ok: false; reason: "insecure"; attempts: 0 };

/** `POST {platform}/api/machine/ping`, per ARCHITECTURE "The handshake" step 3. */
export const PING_PATH = "/api/machine/ping";

/**
 * Retry delay before attempt `attempt + 1`: exponential from `baseMs`, capped at `maxMs`,
 * with "equal jitter" (half fixed, half random) so a fleet of restarted daemons spreads out
 * while each still backs off.
 *
 * @example
 * backoffDelay(3, { baseMs: 200, maxMs: 10_000, random: () => 0.5 }); // 1200
 */
export function backoffDelay(
  attempt: number,
  { baseMs, maxMs, random }: { baseMs: number; maxMs: number; random: () => number },
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * Tells the platform "here I am, and here is the secret to talk to me with", retrying until
 * it answers 2xx. A 401/403 means the token is not (or no longer) this machine's, a 409 that
 * the platform holds another secret for it: retrying cannot help, so it stops and logs why.
 * Everything else (network errors, 5xx, 404 while the
 * platform deploys, 429, and any 3xx — a redirect is never followed, as it would carry the
 * secret elsewhere) is retried with capped exponential backoff and jitter. Only `https:` or
 * loopback `http:` platform URLs are pinged.
 *
 * @example
 * const outcome = await pingPlatform({ platformUrl, machineToken, machineId, secret, version });
 */
export async function pingPlatform(options: PingOptions): Promise<PingOutcome> {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const log = options.log ?? (() => {});
  const baseMs = options.baseDelayMs ?? 200;
  const maxMs = options.maxDelayMs ?? 10_000;
  const url = `${options.platformUrl.replace(/\/+$/, "")}${PING_PATH}`;
  if (!isSecureOrLoopback(new URL(url))) {
    // readMachineEnv refuses such a URL at start; this keeps the secret safe for other callers.
    log(
      `ping: refusing to send the daemon secret to ${new URL(url).origin}: needs ${SECURE_TRANSPORT_RULE}`,
    );
    return { ok: false, reason: "insecure", attempts: 0 };
  }
  const body = JSON.stringify({
    machineId: options.machineId,
    secret: options.secret,
    version: options.version,
  });

  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) return { ok: false, reason: "aborted", attempts: attempt - 1 };
    let problem: string;
    try {
      const res = await doFetch(url, {
        method: "POST",
        headers: {
          authorization: `Bearer ${options.machineToken}`,
          "content-type": "application/json",
        },
        body,
        // A redirect would hand the secret to whoever the Location names: never followed.
        redirect: "manual",
        signal: anySignal(options.signal, AbortSignal.timeout(options.attemptTimeoutMs ?? 10_000)),
      });
      const detail = await res.text().catch(() => "");
      if (res.ok) {
        log(`ping: platform answered ${res.status} after ${attempt} attempt(s)`);
        return { ok: true, attempts: attempt, status: res.status };
      }
      if (res.status === 401 || res.status === 403) {
        log(
          `ping: platform refused the machine token (${res.status}${describe(detail)}); not retrying`,
        );
        return { ok: false, reason: "rejected", attempts: attempt, status: res.status };
      }
      if (res.status === 409) {
        // The platform keeps the first secret a machine sent; another one (credentials.json
        // lost or replaced) stays refused however often it is sent.
        log(
          `ping: platform holds another daemon secret for this machine (409${describe(detail)}); not retrying (rebuild the machine)`,
        );
        return { ok: false, reason: "conflict", attempts: attempt, status: res.status };
      }
      problem =
        res.status >= 300 && res.status < 400
          ? `platform answered ${res.status}, a redirect (not followed)`
          : `platform answered ${res.status}${describe(detail)}`;
    } catch (error) {
      if (options.signal?.aborted) return { ok: false, reason: "aborted", attempts: attempt };
      problem = networkProblem(error);
    }
    const delay = backoffDelay(attempt, { baseMs, maxMs, random });
    log(`ping: attempt ${attempt} failed: ${problem}; retrying in ${delay} ms`);
    await sleep(delay, options.signal).catch(() => {});
  }
}

/** A short, single-line excerpt of the platform's error body (it never contains our secret). */
function describe(detail: string): string {
  const line = detail.replace(/\s+/g, " ").trim().slice(0, 200);
  return line ? `: ${line}` : "";
}

function networkProblem(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
