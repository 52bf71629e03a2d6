/**
 * `POST /api/slack/:method` — the machine's Slack Web API (ARCHITECTURE "Machine env":
 * `SLACK_API_URL={platform}/api/slack/`, so the daemon's `WebClient` posts here with its machine
 * token). The platform swaps in the instance's bot token, which never enters the sandbox.
 *
 * - `Authorization: Bearer <machine token>` of a live machine (`machineAuth()`), else 401.
 * - Only {@link SLACK_PROXY_METHODS}; any other method is `403 forbidden` naming the allowed ones
 *   (not 404: the method exists at Slack, the platform just does not lend the bot for it, and
 *   the agent's author needs to know which it does lend).
 * - The instance has not connected Slack: `404 not_found`.
 * - Upstream `${SLACK_API_URL}<method>` gets the body byte for byte (form, JSON or multipart),
 *   the caller's `content-type`, and `Authorization: Bearer <bot token>` — no other caller header
 *   and no query string; redirects are never followed.
 * - Slack's answer comes back as Slack sent it — status (`429` included), body (`ok:false`
 *   included) and the headers `WebClient` reads (`retry-after`, the scope headers).
 */
import { AppError } from "@iterate/contract";
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { createDb } from "../db/client.ts";
import type { SlackInstallationRow } from "../db/schema.ts";
import { findSlackInstallationForInstance, openBotToken } from "../db/slack-installations.ts";
import { readRawBody } from "../http/raw-body.ts";
import { keyringFromEnv } from "../keyring.ts";
import { createOpenedCache } from "../keys/opened-cache.ts";
import { machineAuth } from "../middleware/machine-auth.ts";
import { slackApiUrl } from "../slack/slack-config.ts";

/** The Slack Web API methods a machine may call with its instance's bot token. */
export const SLACK_PROXY_METHODS = [
  "chat.postMessage",
  "chat.update",
  "chat.delete",
  "reactions.add",
  "reactions.remove",
  "conversations.replies",
  "conversations.history",
  "users.info",
  "auth.test",
] as const;

/** One of {@link SLACK_PROXY_METHODS}. */
export type SlackProxyMethod = (typeof SLACK_PROXY_METHODS)[number];

/** Largest request body passed on; Slack's own limits for these methods are far lower. */
export const SLACK_PROXY_MAX_BODY_BYTES = 1024 * 1024;

/** Slack's response headers handed back: the rest (cookies, tracing) stays here. */
const RESPONSE_HEADERS = [
  "content-type",
  "retry-after",
  "x-slack-req-id",
  "x-oauth-scopes",
  "x-accepted-oauth-scopes",
];

/**
 * Decrypted bot tokens per isolate, by team and envelope: the installation is still read on every
 * call (a disconnect takes effect at once); only the decrypt of an unchanged envelope is skipped.
 * A reinstall seals a new envelope, so it is opened again.
 */
const botTokens = createOpenedCache<string>(1000);

function botTokenOf(env: AppEnv["Bindings"], installation: SlackInstallationRow): Promise<string> {
  return botTokens.get(installation.teamId, installation.botTokenEncrypted, async () =>
    openBotToken(await keyringFromEnv(env), installation),
  );
}

function isAllowed(method: string): method is SlackProxyMethod {
  return (SLACK_PROXY_METHODS as readonly string[]).includes(method);
}

/**
 * @example api.route("/slack", slackProxyRoutes());
 * @param options.fetch - how to reach Slack (tests may pass their own; default the global fetch)
 */
export function slackProxyRoutes(options: { fetch?: typeof fetch } = {}) {
  const fetcher = options.fetch ?? ((input, init) => fetch(input, init));
  return new Hono<AppEnv>().post("/:method", machineAuth(), async (c) => {
    const method = c.req.param("method");
    if (!isAllowed(method)) {
      throw new AppError(
        "forbidden",
        `The Slack proxy does not allow ${method.slice(0, 64)}. Allowed: ${SLACK_PROXY_METHODS.join(", ")}.`,
      );
    }
    const db = createDb(c.env.DB);
    const installation = await findSlackInstallationForInstance(db, c.var.machine.instanceId);
    if (!installation) {
      throw new AppError(
        "not_found",
        "This instance has not connected Slack: connect it on the dashboard's Slack page.",
      );
    }
    const body = await readRawBody(c.req.raw, SLACK_PROXY_MAX_BODY_BYTES);
    const botToken = await botTokenOf(c.env, installation);
    // Fresh headers: nothing of the caller's reaches Slack but the body's content type.
    const headers = new Headers({ authorization: `Bearer ${botToken}` });
    const contentType = c.req.header("content-type");
    if (contentType) headers.set("content-type", contentType);

    let upstream: Response;
    try {
      upstream = await fetcher(`${slackApiUrl(c.env)}${method}`, {
        method: "POST",
        headers,
        body: body.byteLength > 0 ? body : undefined,
        redirect: "manual",
      });
    } catch {
      throw new AppError("upstream_error", "Slack could not be reached. Try again.");
    }
    if (upstream.status >= 300 && upstream.status < 400) {
      await upstream.body?.cancel();
      throw new AppError("upstream_error", `Slack answered with a redirect (${upstream.status}).`);
    }
    const answer = new Headers({ "cache-control": "no-store" });
    for (const name of RESPONSE_HEADERS) {
      const value = upstream.headers.get(name);
      if (value !== null) answer.set(name, value);
    }
    return new Response(upstream.body, { status: upstream.status, headers: answer });
  });
}
