import {
  AppError,
  type SlackEdgeResponse,
  type SlackEventEnvelope,
  type SlackEventItem,
  slackEventEnvelopeSchema,
  slackIgnoreReason,
} from "@iterate/contract";
import { Hono } from "hono";
import { readJsonBody } from "../platform/json-body.ts";
import type { createSlackEventLog } from "./slack-event-log.ts";

/** An event the daemon recorded (first time only), as the agent loop will receive it. */
export type AcceptedSlackEvent = {
  /** The thread's stream name (`slack/<team>/<channel>/<thread_ts>`). */
  stream: string;
  item: SlackEventItem;
  envelope: SlackEventEnvelope;
};

/**
 * What runs for each accepted event, after it is durably recorded and answered; the agent issue
 * fills it in. Not awaited by the route: a slow or failing handler never delays the platform's
 * 200 or causes a redelivery (the stream holds the event for a handler that wants to catch up).
 */
export type SlackEventHandler = (event: AcceptedSlackEvent) => void | Promise<void>;

/** Options of {@link createSlackEdgeRoutes}. */
export interface SlackEdgeOptions {
  events: ReturnType<typeof createSlackEventLog>;
  /** Default: nothing (the record in the stream is all, until the agent loop exists). */
  onSlackEvent?: SlackEventHandler;
  /**
   * False once the machine is retired (`POST /platform/retire`): events are then refused with
   * 503 — also one that was being recorded meanwhile — so the outbox keeps them for the next
   * machine: this one's streams go with its sandbox. Default: always accepting.
   */
  accepting?: () => boolean;
  /** Each event handed to `onSlackEvent` is in here until its handler settles (retire waits). */
  handoffs?: Set<Promise<void>>;
  log?: (line: string) => void;
}

/**
 * `POST /edge/slack` (mounted at `/edge/slack` behind `platformAuth`): a Slack `event_callback`
 * envelope forwarded by the platform's outbox. Answers 200 `{ ok, duplicate, ignored, stream }`
 * once the event is durably in its thread's stream — or at once when it is the bot's own (any
 * bot's) message, an edit or a deletion, which are acknowledged and not recorded. An event id
 * already recorded answers `duplicate: true` and appends nothing, so the outbox can redeliver
 * whenever it is unsure.
 *
 * @example
 * app.route("/edge/slack", createSlackEdgeRoutes({ events: createSlackEventLog({ store }) }));
 */
export function createSlackEdgeRoutes(options: SlackEdgeOptions) {
  const log = options.log ?? ((line: string) => console.log(line));
  const handler = options.onSlackEvent;
  const app = new Hono();
  const refuseIfRetired = () => {
    if (options.accepting && !options.accepting()) {
      throw new AppError(
        "machine_not_ready",
        "This machine is being replaced; the platform keeps the event for the next one.",
        503,
      );
    }
  };
  app.post("/", async (c) => {
    refuseIfRetired();
    const envelope = await readJsonBody(c, slackEventEnvelopeSchema);
    const ignored = slackIgnoreReason(envelope.event);
    if (ignored) {
      return c.json({
        ok: true,
        duplicate: false,
        ignored,
        stream: null,
      } satisfies SlackEdgeResponse);
    }
    const { duplicate, stream, item } = await options.events.record(envelope);
    // Retired while recording: the record goes with this machine, so the platform keeps it.
    refuseIfRetired();
    if (!duplicate && handler) {
      // After the answer: the handler's work is the agent's, not the delivery's.
      const handed = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => handler({ stream, item, envelope }))
        .catch((error: unknown) =>
          log(`slack: handler failed for ${envelope.event_id}: ${(error as Error).message}`),
        );
      const handoffs = options.handoffs;
      if (handoffs) {
        handoffs.add(handed);
        void handed.finally(() => handoffs.delete(handed));
      }
    }
    return c.json({ ok: true, duplicate, ignored: null, stream } satisfies SlackEdgeResponse);
  });
  return app;
}
