/**
 * The two calls the platform makes with a team's bot token itself: `auth.revoke` when an
 * instance disconnects (so a copy of the token, in a log, a backup or a machine's memory, stops
 * working too) and `auth.test` before acting on `app_uninstalled` / `tokens_revoked` (so a
 * replayed or stale event cannot disconnect a team whose token works). Plain `fetch`, redirects
 * refused (the token goes to Slack only), bounded in time; the token is never part of an answer.
 */

/** How long a disconnect waits for Slack's revoke. */
const REVOKE_TIMEOUT_MS = 5000;
/** How long the events edge waits for `auth.test`, to still answer Slack within its 3 s. */
const CHECK_TIMEOUT_MS = 2000;

/** Slack's words for a token that will never work again. */
const DEAD = new Set(["invalid_auth", "token_revoked", "account_inactive", "token_expired"]);

/** One Web API call with `token`: its HTTP status and JSON answer, or null when unreachable. */
async function callWithToken(
  fetcher: typeof fetch,
  url: string,
  token: string,
  timeoutMs: number,
): Promise<{ status: number; ok: boolean; error: string | null } | null> {
  // `ok`: Slack said ok over a 2xx; `error`: Slack's word, whatever the status.
  try {
    const res = await fetcher(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json().catch(() => null)) as { ok?: unknown; error?: unknown } | null;
    return {
      status: res.status,
      ok: res.ok && body?.ok === true,
      error: typeof body?.error === "string" ? body.error : null,
    };
  } catch {
    return null;
  }
}

/**
 * True when Slack confirmed the token is revoked (or already was), else Slack's error code or
 * why it could not be asked. Never throws.
 * @example const revoked = await revokeSlackToken(slackApiUrl(env), token); // true | "unreachable"
 */
export async function revokeSlackToken(
  apiUrl: string,
  token: string,
  fetcher: typeof fetch = fetch,
): Promise<true | string> {
  const answer = await callWithToken(fetcher, `${apiUrl}auth.revoke`, token, REVOKE_TIMEOUT_MS);
  if (!answer) return "unreachable";
  // A token Slack no longer knows is as revoked as it gets.
  if (answer.ok || (answer.error !== null && DEAD.has(answer.error))) return true;
  return answer.error?.slice(0, 100) ?? `HTTP ${answer.status}`;
}

/**
 * `alive`, `revoked`, or `unknown` (Slack could not be asked, or answered something else).
 * Never throws.
 * @example if ((await slackTokenState(slackApiUrl(env), token)) === "revoked") disconnect();
 */
export async function slackTokenState(
  apiUrl: string,
  token: string,
  fetcher: typeof fetch = fetch,
): Promise<"alive" | "revoked" | "unknown"> {
  const answer = await callWithToken(fetcher, `${apiUrl}auth.test`, token, CHECK_TIMEOUT_MS);
  if (!answer) return "unknown";
  if (answer.ok) return "alive";
  // Only a plain answer says the token is dead; a 5xx says nothing about it.
  const plain = answer.status >= 200 && answer.status < 300;
  return plain && answer.error !== null && DEAD.has(answer.error) ? "revoked" : "unknown";
}
