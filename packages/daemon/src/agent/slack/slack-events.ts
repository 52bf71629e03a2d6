import type { MessageOrigin } from "@iterate/contract";
import { type SlackEventItem, slackEventItemSchema } from "@iterate/contract";
import type { UserMessage } from "@mariozechner/pi-ai";
import type { Session } from "../session/session.ts";
import type { SlackConnector } from "./slack-connector.ts";
import { readThreadHistory, type ThreadHistory } from "./slack-history.ts";
import { decideSlackMessage, slackUserMessage } from "./slack-intake.ts";
import { addReaction } from "./slack-run-observer.ts";

/** How long a thread the bot was not in stays "not ours" before Slack is asked again. */
const UNKNOWN_THREAD_TTL_MS = 5 * 60_000;

/** What the Slack handler needs from the runtime. */
export interface SlackEventDeps {
  sessionFor(path: string): Session;
  /** Hands the message to the session's agent (steering a running one, else a new run). */
  takeMessage(
    session: Session,
    prompt: { message: UserMessage; origin: MessageOrigin },
    target: { channel: string; threadTs: string },
    botUserId: string | null,
  ): Promise<unknown>;
  connector: SlackConnector;
  env(): Record<string, string>;
  log(line: string): void;
  now(): number;
}

/**
 * The agent's `onSlackEvent`: for each event the Slack edge recorded in its thread's stream,
 * decide whether the agent takes it (slack-intake.ts), put 👀 on it at once, restore the
 * thread from Slack when this machine has no record of it, and hand it to the session.
 * Events of one thread are taken one at a time; threads run concurrently.
 *
 * @example
 * const onSlackEvent = createSlackEventHandler(deps);
 * await onSlackEvent({ stream, item, envelope });
 */
export function createSlackEventHandler(deps: SlackEventDeps) {
  const notOurs = new Map<string, number>();

  return async function handleSlackEvent(event: { stream: string; item: unknown }): Promise<void> {
    const parsed = slackEventItemSchema.safeParse(event.item);
    if (!parsed.success) {
      deps.log(
        `agent: malformed slack event in ${event.stream} ignored: ${parsed.error.issues[0]?.message}`,
      );
      return;
    }
    const item = parsed.data;
    const env = deps.env();
    const slack = await deps.connector.client(env);
    if (!slack) {
      const why = env.SLACK_API_URL
        ? "no Slack token for SLACK_API_URL (not the platform's, and no SLACK_BOT_TOKEN)"
        : "no SLACK_API_URL in the machine env";
      deps.log(`agent: ${why}; ${item.eventId} recorded, not answered`);
      return;
    }
    const session = deps.sessionFor(event.stream);
    await session.serial(async () => {
      const [state, bot] = await Promise.all([session.refresh(), deps.connector.identity(env)]);
      if (state.takenTs.has(item.ts) || session.taken.has(item.ts)) return; // app_mention + message
      const decision = decideSlackMessage(item, { bot, agentActive: state.agentActive });
      const inThread = item.threadTs !== item.ts;
      const fresh = state.messageCount === 0;
      let history: ThreadHistory | null = null;
      if (decision.take === "if_bot_in_thread") {
        if ((notOurs.get(event.stream) ?? 0) > deps.now()) return;
        history = await readHistory(item);
        if (!history?.botWasHere) {
          // Only Slack's answer is remembered: a failed read, or a bot Slack could not name,
          // says nothing about the thread (the next reply there asks again).
          if (history && bot) notOurs.set(event.stream, deps.now() + UNKNOWN_THREAD_TTL_MS);
          else
            deps.log(
              `slack: ${item.ts} in ${event.stream} not taken: could not tell whether the bot is in the thread`,
            );
          return;
        }
      } else if (!decision.take) {
        return;
      }
      session.taken.add(item.ts);
      // First, before anything slow: the person sees at once that the agent has it.
      void addReaction(slack, item.channel, item.ts, "eyes").catch((error: unknown) =>
        deps.log(`slack: reactions.add eyes failed: ${(error as Error).message}`),
      );
      if (inThread && fresh) {
        history ??= await readHistory(item);
        if (history && history.messages.length > 0) {
          const at = new Date(deps.now()).toISOString();
          session.writer.write({
            type: "history_restored",
            at,
            source: "slack",
            messages: history.messages.length,
          });
          for (const message of history.messages) {
            session.writer.write({
              type: "message",
              runId: null,
              at,
              message: message as never,
              restored: true,
            });
          }
          await session.writer.flush();
        }
      }
      await deps.takeMessage(
        session,
        slackUserMessage(item),
        { channel: item.channel, threadTs: item.threadTs },
        bot?.userId ?? null,
      );
    });

    async function readHistory(item: SlackEventItem): Promise<ThreadHistory | null> {
      try {
        return await readThreadHistory(slack as NonNullable<typeof slack>, {
          channel: item.channel,
          threadTs: item.threadTs,
          before: item.ts,
          bot: await deps.connector.identity(env),
        });
      } catch (error) {
        deps.log(
          `slack: conversations.replies for ${event.stream} failed: ${(error as Error).message}`,
        );
        return null;
      }
    }
  };
}
