/**
 * Slack's OAuth v2 ("Add to Slack"), the two calls of it the platform makes: the authorize URL a
 * person is sent to, and `oauth.v2.access`, which turns the code Slack sends back into the bot
 * token. A plain `fetch` rather than `@slack/web-api` (ARCHITECTURE "Toolchain": in the worker it
 * needs a redirect-refusing fetch and no retries anyway, and this is one form POST).
 */
import { z } from "zod";
import { SLACK_BOT_SCOPES, type SlackAppConfig } from "./slack-config.ts";

/** What an install yields; the bot token is secret (never log, echo or render it). */
export type SlackInstallGrant = {
  teamId: string;
  teamName: string | null;
  botToken: string;
  botUserId: string;
};

/** `oauth.v2.access`'s answer as a value: the grant, or why there is none in words. */
export type SlackOAuthResult =
  | { ok: true; grant: SlackInstallGrant }
  | { ok: false; error: string; message: string };

/**
 * Where "Add to Slack" sends the person: Slack's authorize page with the bot scopes, the
 * registered redirect URL and the single-use `state`.
 * @example c.redirect(slackAuthorizeUrl(config, state), 302)
 */
export function slackAuthorizeUrl(config: SlackAppConfig, state: string): string {
  const url = new URL(config.authorizeUrl);
  url.searchParams.set("client_id", config.clientId);
  url.searchParams.set("scope", SLACK_BOT_SCOPES.join(","));
  url.searchParams.set("redirect_uri", config.redirectUri);
  url.searchParams.set("state", state);
  return url.href;
}

const accessSchema = z.union([
  z.object({
    ok: z.literal(true),
    access_token: z.string().min(1),
    bot_user_id: z.string().min(1),
    // Org-wide (Enterprise Grid) installs have no team; this platform maps teams to instances.
    team: z
      .object({ id: z.string().min(1), name: z.string().optional() })
      .nullable()
      .optional(),
  }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

/** Slack's error codes of `oauth.v2.access` people meet, in words. */
const ERROR_WORDS: Record<string, string> = {
  invalid_code: "Slack did not accept the sign-in code (it expired or was used already).",
  code_already_used: "Slack did not accept the sign-in code (it was used already).",
  bad_redirect_uri: "Slack refused the redirect URL: it must match the Slack app's settings.",
  invalid_client_id: "Slack does not know this platform's Slack app (SLACK_CLIENT_ID).",
  bad_client_secret: "Slack refused this platform's Slack app secret (SLACK_CLIENT_SECRET).",
};

function refused(error: string, message: string): SlackOAuthResult {
  return { ok: false, error, message };
}

/**
 * Exchanges the code from Slack's redirect for the bot token (`oauth.v2.access`, a form POST with
 * the client id and secret). Never follows redirects: the client secret goes to Slack only.
 * @example const result = await exchangeSlackCode(config, code, fetch); if (!result.ok) flash(result.message)
 */
export async function exchangeSlackCode(
  config: SlackAppConfig,
  code: string,
  fetcher: typeof fetch = fetch,
): Promise<SlackOAuthResult> {
  let res: Response;
  try {
    res = await fetcher(`${config.apiUrl}oauth.v2.access`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        client_id: config.clientId,
        client_secret: config.clientSecret,
        code,
        redirect_uri: config.redirectUri,
      }),
      redirect: "manual",
    });
  } catch {
    return refused("unreachable", "Slack could not be reached. Try Add to Slack again.");
  }
  const parsed = accessSchema.safeParse(await res.json().catch(() => null));
  if (!res.ok || !parsed.success) {
    return refused("bad_response", `Slack answered unexpectedly (HTTP ${res.status}). Try again.`);
  }
  const body = parsed.data;
  if (!body.ok) {
    const words = ERROR_WORDS[body.error] ?? "Slack refused the connection.";
    return refused(body.error, `${words} (${body.error}) Try Add to Slack again.`);
  }
  if (!body.team) {
    return refused(
      "no_team",
      "Org-wide Slack installs are not supported; install it to one workspace.",
    );
  }
  return {
    ok: true,
    grant: {
      teamId: body.team.id,
      teamName: body.team.name ?? null,
      botToken: body.access_token,
      botUserId: body.bot_user_id,
    },
  };
}
