/**
 * "Add to Slack" (OAuth v2), mounted at `/slack` in the dashboard:
 *
 * - `GET /slack/install?instance=<id>` (signed in; `instance` may be omitted when the person has
 *   exactly one) → 302 to Slack's authorize page with a fresh `state` bound to this session and
 *   the instance (stored hashed, single use, 10 minutes). Another person's instance is 404.
 * - `GET /slack/oauth/callback?code&state` → a forged, reused, expired or other session's state is
 *   a 400 error page and nothing is stored or sent to Slack; otherwise `oauth.v2.access` and the
 *   team → instance mapping with the encrypted bot token, then the Slack page with a flash —
 *   which also carries Slack's refusals (`invalid_code`) and "this team is connected elsewhere".
 */
import { AppError } from "@iterate/contract";
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { readSessionCookie } from "../auth/cookies.ts";
import { createDb } from "../db/client.ts";
import { findInstanceForUser, listInstancesForUser } from "../db/instances.ts";
import type { Instance, User } from "../db/schema.ts";
import { saveSlackInstallation } from "../db/slack-installations.ts";
import {
  consumeOAuthState,
  createOAuthState,
  type OAuthStateFailure,
} from "../db/slack-oauth-states.ts";
import { keyringFromEnv } from "../keyring.ts";
import { setFlash } from "../middleware/flash.ts";
import { requireUser } from "../middleware/require-user.ts";
import { slackAppConfig } from "../slack/slack-config.ts";
import { exchangeSlackCode, slackAuthorizeUrl } from "../slack/slack-oauth.ts";
import { formAction } from "./pages/page-context.ts";

const NOT_CONFIGURED =
  "Slack isn't configured on this platform (no SLACK_CLIENT_ID / SLACK_CLIENT_SECRET).";

/** What a refused state means, for the person who followed the link. */
const STATE_REFUSED: Record<OAuthStateFailure | "missing", string> = {
  missing: "This link is missing its state. Start again with Add to Slack on your Slack page.",
  unknown: "This Slack connection link is not one we started. Start again with Add to Slack.",
  used: "This Slack connection link was used already. Start again with Add to Slack.",
  expired:
    "This Slack connection link expired (they last 10 minutes). Start again with Add to Slack.",
  other_session:
    "This Slack connection was started in another browser session. Start again with Add to Slack here.",
};

const installQuerySchema = z.object({ instance: z.string().max(100).optional() });
const callbackQuerySchema = z.object({
  state: z.string().max(200).optional(),
  code: z.string().max(500).optional(),
  error: z.string().max(200).optional(),
});

const slackPage = (instanceId: string) => `/instances/${instanceId}/slack`;

/** The instance to connect: the named one if it is the person's, else their only one. */
async function installTarget(env: Env, user: User, instanceId: string | undefined) {
  const db = createDb(env.DB);
  if (instanceId) {
    const instance = await findInstanceForUser(db, user.id, instanceId);
    if (!instance) throw new AppError("not_found", "No such instance.");
    return instance;
  }
  const instances = await listInstancesForUser(db, user.id);
  if (instances.length === 1) return instances[0] as Instance;
  if (instances.length === 0) throw new AppError("not_found", "You have no instance to connect.");
  throw new AppError(
    "bad_request",
    "You have several instances: use Add to Slack on the Slack page of the one to connect.",
  );
}

/** Mounted at `/slack` in the dashboard. */
export const slackInstallRoutes = new Hono<AppEnv>()
  .get("/install", requireUser(), async (c) => {
    const user = c.var.user as User;
    const query = installQuerySchema.safeParse(c.req.query());
    if (!query.success) throw new AppError("bad_request", "The instance id is malformed.");
    const instance = await installTarget(c.env, user, query.data.instance);
    const config = slackAppConfig(c.env);
    if (!config) {
      setFlash(c, "error", NOT_CONFIGURED);
      return c.redirect(slackPage(instance.id), 303);
    }
    const state = await createOAuthState(createDb(c.env.DB), {
      // requireUser() let us in, so the session cookie is there and well-formed.
      sessionCookie: readSessionCookie(c) as string,
      userId: user.id,
      instanceId: instance.id,
    });
    return c.redirect(slackAuthorizeUrl(config, state), 302);
  })
  .get("/oauth/callback", async (c) => {
    const query = callbackQuerySchema.safeParse(c.req.query());
    const { state, code, error } = query.success ? query.data : {};
    if (!state) throw new AppError("bad_request", STATE_REFUSED.missing);
    const db = createDb(c.env.DB);
    const consumed = await consumeOAuthState(db, { state, sessionCookie: readSessionCookie(c) });
    if (!consumed.ok) throw new AppError("bad_request", STATE_REFUSED[consumed.reason]);
    const { instanceId, userId } = consumed.row;
    // The membership may have ended while the person was at Slack.
    if (!(await findInstanceForUser(db, userId, instanceId))) {
      throw new AppError("not_found", "No such instance.");
    }
    return formAction(c, slackPage(instanceId), async () => {
      if (error) {
        throw new AppError("bad_request", `Slack was not connected: Slack answered "${error}".`);
      }
      if (!code) throw new AppError("bad_request", "Slack sent no code. Try Add to Slack again.");
      const config = slackAppConfig(c.env);
      if (!config) throw new AppError("bad_request", NOT_CONFIGURED);
      const result = await exchangeSlackCode(config, code);
      if (!result.ok) throw new AppError("bad_request", result.message);
      const { grant } = result;
      await saveSlackInstallation(db, await keyringFromEnv(c.env), {
        ...grant,
        instanceId,
        installedBy: userId,
      });
      return `Connected the Slack workspace ${grant.teamName ?? grant.teamId}.`;
    });
  });
