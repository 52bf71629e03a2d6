/**
 * `POST /edge/slack/events` — Slack's Events API Request URL. Mounted outside the session and
 * CSRF middleware: Slack sends no cookies, its signature is the only authority.
 *
 * 1. the raw body is read once (at most 1 MiB → else 413) and its `X-Slack-Signature` checked
 *    against `SLACK_SIGNING_SECRET` (slack-signature.ts) → else 401;
 * 2. `url_verification` is answered with its challenge;
 * 3. an `event_callback` is validated, its team mapped to the instance (an unknown team → 200
 *    and a logged drop; a known one is remembered for a while, team-routes.ts, and re-checked at
 *    delivery), and stored in the instance's Durable Object — durably, before the answer, which
 *    is 200 at once: delivery to the machine happens afterwards (outbox.ts);
 * 4. `app_uninstalled` (or `tokens_revoked` of the bot) disconnects the team once Slack confirms
 *    its token is dead (app-removal.ts).
 *
 * A signed request replayed within the 5-minute window carries an `event_id` the outbox already
 * has: it is acknowledged and dropped like Slack's own retries.
 */
import {
  AppError,
  slackEventCallbackSchema,
  slackEventEnvelopeSchema,
  slackUrlVerificationSchema,
} from "@iterate/contract";
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { createDb } from "../db/client.ts";
import { findSlackInstallationByTeam } from "../db/slack-installations.ts";
import { readRawBody } from "../http/raw-body.ts";
import { describeIssues } from "../http/read-input.ts";
import { instanceObject } from "../machines/instance-do.ts";
import { removeSlackApp, slackAppRemoval } from "./app-removal.ts";
import {
  SLACK_RETRY_NUM_HEADER,
  SLACK_SIGNATURE_HEADER,
  SLACK_TIMESTAMP_HEADER,
  type SlackSignatureFailure,
  verifySlackSignature,
} from "./slack-signature.ts";
import { createTeamRoutes, type TeamRoutes } from "./team-routes.ts";

/** Slack's event payloads are a few KiB; anything past this is not Slack. */
export const SLACK_EVENTS_MAX_BODY_BYTES = 1024 * 1024;

const REFUSALS: Record<SlackSignatureFailure, string> = {
  missing: "X-Slack-Signature and X-Slack-Request-Timestamp are required.",
  malformed: "X-Slack-Signature or X-Slack-Request-Timestamp is malformed.",
  bad_signature: "The Slack signature does not match this request.",
  expired: "The Slack request timestamp is more than 5 minutes old.",
  not_yet_valid: "The Slack request timestamp is more than 5 minutes in the future.",
};

/** Options of {@link slackEventsEdge}. */
export type SlackEventsEdgeOptions = {
  /** Millisecond clock for the timestamp window; default Date.now. */
  now?: () => number;
  /** Team → instance hints; default one map per isolate (team-routes.ts). */
  routes?: TeamRoutes;
  log?: (line: string) => void;
};

/**
 * @example app.route("/edge/slack", slackEventsEdge()); // before app.use("*", session())
 */
export function slackEventsEdge(options: SlackEventsEdgeOptions = {}) {
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => console.log(line));
  const routes = options.routes ?? createTeamRoutes();
  const app = new Hono<AppEnv>();

  app.post("/events", async (c) => {
    const secret = c.env.SLACK_SIGNING_SECRET;
    if (!secret) {
      throw new AppError(
        "slack_not_configured",
        "Slack events cannot be verified: SLACK_SIGNING_SECRET is not set on this platform.",
      );
    }
    const body = await readRawBody(c.req.raw, SLACK_EVENTS_MAX_BODY_BYTES);
    const checked = verifySlackSignature({
      secret,
      signature: c.req.header(SLACK_SIGNATURE_HEADER),
      timestamp: c.req.header(SLACK_TIMESTAMP_HEADER),
      body,
      nowSeconds: Math.floor(now() / 1000),
    });
    if (!checked.ok) throw new AppError(checked.code, REFUSALS[checked.code], 401);

    const json = parseJson(body);
    const type = (json as { type?: unknown } | null)?.type;
    if (type === "url_verification") {
      const challenge = slackUrlVerificationSchema.safeParse(json);
      if (!challenge.success) throw invalid(challenge.error);
      return c.json({ challenge: challenge.data.challenge });
    }
    if (type !== "event_callback") {
      // e.g. `app_rate_limited`: nothing to deliver, and Slack only wants a 200.
      log(`slack events: ignored a ${String(type)} request`);
      return c.json({ ok: true });
    }
    // One parse on the common path (a message); the looser schema only sorts out the rest.
    const deliverable = slackEventEnvelopeSchema.safeParse(json);
    if (!deliverable.success) {
      const callback = slackEventCallbackSchema.safeParse(json);
      if (!callback.success) throw invalid(callback.error);
      // Ids only in logs: texts are people's messages.
      const { team_id, event_id, event } = callback.data;
      const removal = slackAppRemoval(event);
      if (removal) {
        const outcome = await removeSlackApp(c.env, team_id, removal);
        log(`slack events: ${event.type} ${event_id} of team ${team_id}: ${outcome}`);
        return c.json({ ok: true });
      }
      log(
        `slack events: dropped ${event_id} of team ${team_id}: a ${event.type} event is not a message in a channel`,
      );
      return c.json({ ok: true });
    }
    const { team_id: teamId, event_id: eventId } = deliverable.data;
    let instanceId = routes.get(teamId);
    if (!instanceId) {
      instanceId = (await findSlackInstallationByTeam(createDb(c.env.DB), teamId))?.instanceId;
      if (!instanceId) {
        log(`slack events: dropped ${eventId}: team ${teamId} is not connected to an instance`);
        return c.json({ ok: true });
      }
      routes.remember(teamId, instanceId);
    }
    // Slack's legacy verification token is an app credential: it never reaches a machine.
    const { token: _token, ...envelope } = deliverable.data;
    const stored = await instanceObject(c.env, instanceId).enqueueSlackEvent(instanceId, {
      eventId,
      teamId,
      payload: JSON.stringify(envelope),
    });
    if (stored.duplicate) {
      const retry = c.req.header(SLACK_RETRY_NUM_HEADER);
      log(`slack events: ${eventId} already stored${retry ? ` (Slack retry ${retry})` : ""}`);
    }
    return c.json({ ok: true });
  });

  return app;
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body));
  } catch {
    throw new AppError("invalid_json", "The request body is not valid JSON.");
  }
}

function invalid(error: Parameters<typeof describeIssues>[0]): AppError {
  return new AppError("validation_failed", describeIssues(error));
}
