import { onPlatformOrigin } from "@iterate/contract";
import type { WebClient } from "@slack/web-api";

/** The bot as Slack knows it: whose mentions wake the agent, whose messages are its own. */
export interface BotIdentity {
  userId: string;
  botId: string | null;
}

/** Reaches Slack through the platform's proxy with the current machine env. */
export interface SlackConnector {
  /**
   * A client for the env of now: `SLACK_API_URL` (the platform's `/api/slack/`) with the
   * machine token as the Slack token — the proxy swaps in the bot token, which never enters
   * the machine ({@link slackToken}). Null when there is no Slack to call.
   */
  client(env: Record<string, string>): Promise<WebClient | null>;
  /** The bot's identity (`auth.test`), cached per proxy URL and token; null when unknown. */
  identity(env: Record<string, string>): Promise<BotIdentity | null>;
}

/**
 * The token to call `SLACK_API_URL` with: the machine token when it is the platform's Slack
 * proxy (which swaps in the bot token), else the instance's own `SLACK_BOT_TOKEN` — an instance
 * that points Slack elsewhere must not hand that server the machine token (the contract's
 * `onPlatformOrigin`, as for `OPENAI_API_KEY`). Null: no Slack to call.
 */
export function slackToken(env: Record<string, string>): string | null {
  if (!env.SLACK_API_URL) return null;
  if (onPlatformOrigin(env.SLACK_API_URL, env.ITERATE_PLATFORM_URL)) {
    return env.ITERATE_MACHINE_TOKEN ?? null;
  }
  return env.SLACK_BOT_TOKEN || null;
}

/**
 * Builds the connector. `@slack/web-api` is loaded on first use, not at daemon start (the
 * daemon's cold start stays small; see docs/agents.md). Clients retry a failed call once, quickly: a status line or a reaction
 * that Slack refuses is not worth minutes of retries (the WebClient default), and the next
 * status edit comes soon anyway.
 *
 * @example
 * const slack = createSlackConnector();
 * await slack.client(machineEnv.runEnv())?.reactions.add({ channel, timestamp: ts, name: "eyes" });
 */
export function createSlackConnector(
  options: { log?: (line: string) => void } = {},
): SlackConnector {
  const log = options.log ?? ((line: string) => console.log(line));
  const clients = new Map<string, WebClient>();
  const identities = new Map<string, Promise<BotIdentity | null>>();
  const refused = new Set<string>();
  const keyOf = (env: Record<string, string>) => {
    const token = slackToken(env);
    if (token === null && env.SLACK_API_URL && !refused.has(env.SLACK_API_URL)) {
      refused.add(env.SLACK_API_URL);
      log(
        `slack: SLACK_API_URL points away from the platform and the instance env has no SLACK_BOT_TOKEN; not calling Slack (the machine token is only sent to the platform)`,
      );
    }
    return token === null ? null : { key: `${env.SLACK_API_URL}\n${token}`, token };
  };

  async function client(env: Record<string, string>): Promise<WebClient | null> {
    const keyed = keyOf(env);
    if (!keyed) return null;
    const { key, token } = keyed;
    let found = clients.get(key);
    if (!found) {
      const { LogLevel, WebClient } = await import("@slack/web-api");
      found = clients.get(key);
      if (found) return found;
      found = new WebClient(token, {
        slackApiUrl: env.SLACK_API_URL,
        retryConfig: { retries: 1, minTimeout: 200, maxTimeout: 1000 },
        // A hung call must not hold a session: its next message waits for the run's last post.
        timeout: 10_000,
        logLevel: LogLevel.ERROR,
        // The method name is always ours; never let one be read as another host.
        allowAbsoluteUrls: false,
      });
      clients.clear(); // an env change replaces the one client in use
      clients.set(key, found);
    }
    return found;
  }

  return {
    client,
    identity(env) {
      const key = keyOf(env)?.key;
      if (!key) return Promise.resolve(null);
      let found = identities.get(key);
      if (!found) {
        // A key means an SLACK_API_URL, so there is a client.
        found = client(env)
          .then((slack) => (slack as WebClient).auth.test())
          .then((answer) =>
            answer.user_id ? { userId: answer.user_id, botId: answer.bot_id ?? null } : null,
          )
          .catch((error: unknown) => {
            log(`slack: auth.test failed: ${(error as Error).message}`);
            identities.delete(key); // ask again next time
            return null;
          });
        identities.set(key, found);
      }
      return found;
    },
  };
}
