/**
 * Asks Slack whether a bot token still works (`auth.test`). The events edge asks before it acts
 * on `app_uninstalled` or `tokens_revoked` (app-removal.ts), so that a replayed or stale event
 * cannot disconnect a team whose token works. A plain `fetch`, redirects refused (the token goes
 * to Slack only), bounded so the edge still answers within Slack's 3 s.
 */

/** How long the edge waits for Slack's answer. */
const CHECK_TIMEOUT_MS = 2000;

/** Slack's words for a token that will never work again. */
const DEAD = new Set(["invalid_auth", "token_revoked", "account_inactive", "token_expired"]);

/**
 * `alive`, `revoked`, or `unknown` (Slack could not be asked, or answered something else).
 * Never throws; the token is never part of the answer.
 * @example if ((await slackTokenState(slackApiUrl(env), token)) === "revoked") disconnect();
 */
export async function slackTokenState(
  apiUrl: string,
  token: string,
  fetcher: typeof fetch = fetch,
): Promise<"alive" | "revoked" | "unknown"> {
  try {
    const res = await fetcher(`${apiUrl}auth.test`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      redirect: "manual",
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
    });
    const body = (await res.json().catch(() => null)) as { ok?: unknown; error?: unknown } | null;
    if (res.ok && body?.ok === true) return "alive";
    return res.ok && typeof body?.error === "string" && DEAD.has(body.error)
      ? "revoked"
      : "unknown";
  } catch {
    return "unknown";
  }
}
