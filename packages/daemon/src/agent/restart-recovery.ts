import type { AgentError } from "@iterate/contract";
import type { Session } from "./session/session.ts";
import { readSessionItems } from "./session/session-stream.ts";
import type { StreamStore } from "./session/streams.ts";
import { sessionLink } from "./slack/session-link.ts";
import type { SlackConnector } from "./slack/slack-connector.ts";
import { addReaction } from "./slack/slack-run-observer.ts";

/**
 * What a daemon does about the work an earlier one left: a run it never finished is recorded
 * `interrupted` and said so in its thread (`endDanglingRun`), and a Slack message it recorded
 * but never took is handed to the agent again (`retakeRecent`). agent-runtime.ts runs both at
 * start-up, and the first before any run of a session.
 */

/** How a run cut short by a stop or crash of an earlier daemon is recorded and told. */
export const RESTARTED: AgentError = {
  code: "interrupted",
  message: "The machine restarted while I was working on this; ask again to continue.",
};

/** How far back {@link retakeRecent} looks: older messages are left, not answered late. */
const RETAKE_WINDOW_MS = 15 * 60_000;

/**
 * Ends the session's run that started and never finished, if any (and none is going on now):
 * `run_finished` `interrupted` with `error`, then, for a Slack session, the run's status message
 * says so and its messages get ❌. True when there was one.
 *
 * @example if (await endDanglingRun(session, RESTARTED, deps)) count++;
 */
export async function endDanglingRun(
  session: Session,
  error: AgentError,
  deps: {
    machineEnv: { runEnv(): Record<string, string> };
    connector: SlackConnector;
    log: (line: string) => void;
    now: () => number;
  },
): Promise<boolean> {
  const { now, log } = deps;
  const state = await session.refresh();
  const dangling = state.dangling;
  if (!dangling || session.active) return false;
  session.writer.write({
    type: "run_finished",
    runId: dangling.runId,
    at: new Date(now()).toISOString(),
    outcome: "interrupted",
    error,
    toolCalls: dangling.toolCalls,
    durationMs: Math.max(0, now() - Date.parse(dangling.startedAt)),
  });
  await session.writer.flush();
  const env = deps.machineEnv.runEnv();
  const slack = session.source === "slack" ? await deps.connector.client(env) : null;
  if (slack) {
    const text = `:x: ${error.message} · <${sessionLink(env, session.path)}|View session>`;
    const complain = (what: string) => (e: unknown) =>
      log(`slack: ${what} for interrupted ${session.path} failed: ${(e as Error).message}`);
    if (dangling.statusPost) {
      await slack.chat
        .update({ channel: dangling.statusPost.channel, ts: dangling.statusPost.ts, text })
        .catch(complain("chat.update"));
    }
    for (const origin of dangling.origins) {
      if (origin.kind !== "slack") continue;
      await addReaction(slack, origin.channel, origin.ts, "x").catch(complain("reactions.add"));
    }
  }
  return true;
}

/**
 * Hands the agent again the Slack events of the last `windowMs` (default 15 minutes) recorded
 * since it last took up their thread (session-state `unseenSlackEvents`): recorded by a daemon
 * that stopped, or could not answer Slack, before taking them. The agent decides on each as on
 * a new one (and takes a message once); how many were handed.
 *
 * @example const retaken = await retakeRecent({ store, sessionFor, handleSlackEvent, log, now });
 */
export async function retakeRecent(deps: {
  store: StreamStore;
  sessionFor(path: string): Session;
  handleSlackEvent(event: { stream: string; item: unknown }): Promise<void>;
  log: (line: string) => void;
  now: () => number;
  windowMs?: number;
}): Promise<number> {
  const since = deps.now() - (deps.windowMs ?? RETAKE_WINDOW_MS);
  let count = 0;
  for (const info of deps.store.list()) {
    if (!info.name.startsWith("slack/")) continue;
    const session = deps.sessionFor(info.name);
    const state = await session.refresh().catch(() => null);
    const unseen = new Set(
      (state?.unseenSlackEvents ?? [])
        .filter((event) => Date.parse(event.receivedAt) >= since)
        .filter((event) => !state?.takenTs.has(event.ts) && !session.taken.has(event.ts))
        .map((event) => event.eventId),
    );
    if (unseen.size === 0) continue;
    // The state keeps ids only; the events themselves are read again from the stream.
    for (const item of (await readSessionItems(deps.store, info.name)).items) {
      const { type, eventId } = (item ?? {}) as { type?: unknown; eventId?: unknown };
      if (type !== "slack_event" || !unseen.has(eventId as string)) continue;
      count++;
      await deps
        .handleSlackEvent({ stream: info.name, item })
        .catch((error: unknown) =>
          deps.log(
            `agent: ${eventId} in ${info.name} not taken again: ${(error as Error).message}`,
          ),
        );
    }
  }
  return count;
}
