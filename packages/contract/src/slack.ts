import { z } from "zod";

/**
 * Slack Events API payloads as the platform receives them at `POST /edge/slack/events` and
 * forwards them to the daemon's `POST /edge/slack`. Objects are loose (Slack adds fields all the
 * time and we forward what we do not read), but strict on every field we use — and on every
 * field that becomes part of a stream name, so a payload can never name another path.
 */

/** A Slack id (team `T…`, channel `C…`/`D…`/`G…`, user `U…`): safe as a stream name segment. */
const slackIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "must be a Slack id");

/** A Slack message timestamp (`1712345678.123456`): the message's identity in its channel. */
export const slackTsSchema = z.string().regex(/^\d{1,12}\.\d{1,9}$/, "must be a Slack ts");

/** `url_verification`: Slack checking the Request URL; answered with `{ challenge }`. */
export const slackUrlVerificationSchema = z.looseObject({
  type: z.literal("url_verification"),
  challenge: z.string().min(1).max(1024),
});

/**
 * Any `event_callback` the edge accepts and acknowledges: the envelope fields the platform routes
 * and dedupes on. Whether the event can be delivered is {@link slackEventEnvelopeSchema}'s call.
 */
export const slackEventCallbackSchema = z.looseObject({
  type: z.literal("event_callback"),
  team_id: slackIdSchema,
  /** Unique per event; Slack's retries (`X-Slack-Retry-Num`) repeat it. The dedup key. */
  event_id: z.string().min(1).max(255),
  event_time: z.number().int().nonnegative(),
  event: z.looseObject({ type: z.string().min(1).max(128) }),
});
export type SlackEventCallback = z.infer<typeof slackEventCallbackSchema>;

/** The event inside a deliverable envelope: a message-like event placed in a channel's thread. */
export const slackMessageEventSchema = z.looseObject({
  /** `message`, `app_mention`, … */
  type: z.string().min(1).max(128),
  channel: slackIdSchema,
  ts: slackTsSchema,
  /** The thread's root ts; absent on a top-level message (its own ts is the thread). */
  thread_ts: slackTsSchema.nullish(),
  user: z.string().max(64).nullish(),
  text: z.string().nullish(),
  /** Set on messages posted by a bot (ours included): the daemon ignores them. */
  bot_id: z.string().max(64).nullish(),
  /** `bot_message`, `message_changed`, `message_deleted` are ignored; others are recorded. */
  subtype: z.string().max(64).nullish(),
});
export type SlackMessageEvent = z.infer<typeof slackMessageEventSchema>;

/**
 * The envelope the platform delivers to the daemon's `POST /edge/slack` (Slack's `event_callback`
 * minus its legacy verification `token`, which never leaves the platform).
 * @example slackEventEnvelopeSchema.parse(JSON.parse(body)).event.channel // "C123"
 */
export const slackEventEnvelopeSchema = slackEventCallbackSchema.extend({
  event: slackMessageEventSchema,
});
export type SlackEventEnvelope = z.infer<typeof slackEventEnvelopeSchema>;

/** Message subtypes that are not a person writing: acknowledged and ignored by the daemon. */
export const SLACK_IGNORED_SUBTYPES: ReadonlySet<string> = new Set([
  "bot_message",
  "message_changed",
  "message_deleted",
]);

/**
 * Why the daemon ignores an event, or null when it records it: the bot's own (any bot's)
 * messages, edits and deletions never start or continue an agent run.
 * @example slackIgnoreReason({ type: "message", channel: "C1", ts: "1.2", bot_id: "B1" }) // "bot_message"
 */
export function slackIgnoreReason(event: SlackMessageEvent): string | null {
  if (event.bot_id) return "bot_message";
  if (event.subtype && SLACK_IGNORED_SUBTYPES.has(event.subtype)) return event.subtype;
  return null;
}

/**
 * The agent session stream of an event's thread, `slack/<team>/<channel>/<thread_ts ?? ts>`
 * (the daemon serves it at `/agents/<name>`).
 * @example slackThreadStream(envelope) // "slack/T1/C1/1712345678.000100"
 */
export function slackThreadStream(envelope: Pick<SlackEventEnvelope, "team_id" | "event">): string {
  const { channel, ts, thread_ts } = envelope.event;
  return `slack/${envelope.team_id}/${channel}/${thread_ts ?? ts}`;
}

/** What the daemon records in the thread stream for each accepted event (one JSON item). */
export const slackEventItemSchema = z.object({
  type: z.literal("slack_event"),
  eventId: z.string(),
  eventType: z.string(),
  teamId: z.string(),
  channel: z.string(),
  /** The message's own ts (its identity in the channel). */
  ts: z.string(),
  threadTs: z.string(),
  user: z.string().nullable(),
  text: z.string().nullable(),
  /** Slack's `event_time` (seconds). */
  eventTime: z.number(),
  /** When the daemon recorded it (ISO 8601). */
  receivedAt: z.string(),
  /** The whole Slack event, for what the agent reads beyond text (files, blocks). */
  event: z.record(z.string(), z.unknown()),
});
export type SlackEventItem = z.infer<typeof slackEventItemSchema>;

/**
 * The daemon's `200` answer to `POST /edge/slack`: recorded (`stream`), already recorded
 * (`duplicate`), or acknowledged and not recorded (`ignored` says why).
 */
export const slackEdgeResponseSchema = z.object({
  ok: z.literal(true),
  duplicate: z.boolean(),
  ignored: z.string().nullable(),
  stream: z.string().nullable(),
});
export type SlackEdgeResponse = z.infer<typeof slackEdgeResponseSchema>;
