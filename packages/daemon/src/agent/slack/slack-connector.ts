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
   * the machine. Null when the env has no `SLACK_API_URL`.
   */
  client(env: Record<string, string>): Promise<WebClient | null>;
  /** The bot's identity (`auth.test`), cached per proxy URL and token; null when unknown. */
  identity(env: Record<string, string>): Promise<BotIdentity | null>;
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
  const keyOf = (env: Record<string, string>) =>
    env.SLACK_API_URL ? `${env.SLACK_API_URL}\n${env.ITERATE_MACHINE_TOKEN ?? ""}` : null;

  async function client(env: Record<string, string>): Promise<WebClient | null> {
    const key = keyOf(env);
    if (!key) return null;
    let found = clients.get(key);
    if (!found) {
      const { LogLevel, WebClient } = await import("@slack/web-api");
      found = clients.get(key);
      if (found) return found;
      found = new WebClient(env.ITERATE_MACHINE_TOKEN, {
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
      const key = keyOf(env);
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
