/**
 * The Slack app's settings from the worker's vars and secrets, in one place: where Slack's Web API
 * and authorize page are (`SLACK_API_URL`, `SLACK_AUTHORIZE_URL`), the OAuth client
 * (`SLACK_CLIENT_ID`, `SLACK_CLIENT_SECRET`) and the redirect URL Slack sends people back to.
 */
import type { Bindings } from "../app-env.ts";

/** Where Slack sends people back after "Add to Slack"; register it in the Slack app. */
export const OAUTH_CALLBACK_PATH = "/slack/oauth/callback";

/**
 * The bot scopes "Add to Slack" asks for (docs/slack.md says what each is for): read mentions
 * and the messages of conversations the bot is in, answer and react, look up who wrote.
 */
export const SLACK_BOT_SCOPES = [
  "app_mentions:read",
  "chat:write",
  "reactions:write",
  "channels:history",
  "groups:history",
  "im:history",
  "mpim:history",
  "users:read",
] as const;

/** What the install flow needs; null from {@link slackAppConfig} when Slack is not configured. */
export type SlackAppConfig = {
  clientId: string;
  clientSecret: string;
  /** Slack's Web API base, always ending in `/` (`https://slack.com/api/`). */
  apiUrl: string;
  authorizeUrl: string;
  /** `${PLATFORM_URL}/slack/oauth/callback`. */
  redirectUri: string;
};

/**
 * Slack's Web API base with exactly one trailing `/`, so `apiUrl + method` is the method's URL
 * whether or not the var was written with the slash.
 */
export function slackApiUrl(env: Pick<Bindings, "SLACK_API_URL">): string {
  return `${(env.SLACK_API_URL || "https://slack.com/api/").replace(/\/+$/, "")}/`;
}

/**
 * The install flow's settings, or null when the OAuth client id or secret is not set (the Slack
 * page then says Slack is not configured on this platform).
 * @example const slack = slackAppConfig(c.env); if (!slack) return notConfigured();
 */
export function slackAppConfig(
  env: Pick<
    Bindings,
    | "SLACK_CLIENT_ID"
    | "SLACK_CLIENT_SECRET"
    | "SLACK_API_URL"
    | "SLACK_AUTHORIZE_URL"
    | "PLATFORM_URL"
  >,
): SlackAppConfig | null {
  if (!env.SLACK_CLIENT_ID || !env.SLACK_CLIENT_SECRET) return null;
  return {
    clientId: env.SLACK_CLIENT_ID,
    clientSecret: env.SLACK_CLIENT_SECRET,
    apiUrl: slackApiUrl(env),
    authorizeUrl: env.SLACK_AUTHORIZE_URL || "https://slack.com/oauth/v2/authorize",
    redirectUri: `${env.PLATFORM_URL.replace(/\/+$/, "")}${OAUTH_CALLBACK_PATH}`,
  };
}
