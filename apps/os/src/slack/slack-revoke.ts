/**
 * Revokes a bot token at Slack (`auth.revoke`) when an instance disconnects, so a copy of it
 * (in a log, a backup, a machine's memory) stops working too, not only the row deleted here.
 * A plain `fetch`, redirects refused (the token goes to Slack only), bounded in time: the
 * disconnect goes on whatever Slack answers.
 */

/** How long a disconnect waits for Slack. */
const REVOKE_TIMEOUT_MS = 5000;

/**
 * True when Slack confirmed the token is revoked (or already was), else Slack's error code or
 * why it could not be asked. Never throws; the token is never part of the answer.
 * @example const revoked = await revokeSlackToken(slackApiUrl(env), token); // true | "unreachable"
 */
export async function revokeSlackToken(
  apiUrl: string,
  token: string,
  fetcher: typeof fetch = fetch,
): Promise<true | string> {
  let res: Response;
  try {
    res = await fetcher(`${apiUrl}auth.revoke`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      redirect: "manual",
      signal: AbortSignal.timeout(REVOKE_TIMEOUT_MS),
    });
  } catch {
    return "unreachable";
  }
  const body = (await res.json().catch(() => null)) as { ok?: unknown; error?: unknown } | null;
  if (res.ok && body?.ok === true) return true;
  // A token Slack no longer knows is as revoked as it gets.
  if (body?.error === "invalid_auth" || body?.error === "token_revoked") return true;
  return typeof body?.error === "string" ? body.error.slice(0, 100) : `HTTP ${res.status}`;
}
