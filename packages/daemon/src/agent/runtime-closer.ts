import { AppError, type MessageOrigin } from "@iterate/contract";
import type { Session } from "./session/session.ts";
import type { SlackConnector } from "./slack/slack-connector.ts";
import { addReaction } from "./slack/slack-run-observer.ts";
import type { CommandGroups } from "./tools/command-groups.ts";

/** What a run stopped by a daemon shutdown says in its thread, unless `close` is told otherwise. */
const RESTARTING = "The machine is restarting; ask again once it is back.";

/**
 * How the agent runtime stops (agent-runtime.ts `close`): every run is stopped as `interrupted`
 * with the reason, the processes the agents' commands left behind are killed, and, bounded by
 * a grace, the runs' ends and the messages being taken up are waited for. After it a message is
 * refused with 503 — and, after a final close (a retire: the machine goes away with its streams),
 * told in its Slack thread too, since no later daemon will take it up again.
 *
 * @example const closer = createRuntimeCloser({ sessions, connector, machineEnv, commandGroups, log });
 * if (closer.closing) return closer.refuse(target, origin);
 */
export function createRuntimeCloser(deps: {
  sessions: ReadonlyMap<string, Session>;
  connector: SlackConnector;
  machineEnv: { runEnv(): Record<string, string> };
  commandGroups: CommandGroups;
  log: (line: string) => void;
}) {
  const { sessions, connector, commandGroups, log } = deps;
  let closing = false;
  /** What runs stopped by `close` say in their thread; messages refused after it too if final. */
  let closeReason = RESTARTING;
  let closedForGood = false;

  return {
    get closing() {
      return closing;
    },

    /**
     * A message that reached the agent after `close`: 503. After a final close a Slack one gets
     * ❌ and the reason in its thread first, as a run stopped by it does (the person would
     * otherwise see only 👀).
     */
    async refuse(
      target: { channel: string; threadTs: string } | null,
      origin: MessageOrigin,
    ): Promise<never> {
      const slack =
        target && closedForGood ? await connector.client(deps.machineEnv.runEnv()) : null;
      if (slack && target && origin.kind === "slack") {
        const complain = (what: string) => (error: unknown) =>
          log(`slack: ${what} for ${origin.ts} while closing failed: ${(error as Error).message}`);
        await Promise.all([
          slack.chat
            .postMessage({
              channel: target.channel,
              thread_ts: target.threadTs,
              text: `:x: ${closeReason}`,
            })
            .catch(complain("chat.postMessage")),
          addReaction(slack, origin.channel, origin.ts, "x").catch(complain("reactions.add")),
        ]);
      }
      throw new AppError("machine_not_ready", "The machine is shutting down.", 503);
    },

    /** How many runs it stopped. */
    async close({
      graceMs = 5000,
      reason = RESTARTING,
      final = false,
    }: {
      graceMs?: number;
      reason?: string;
      final?: boolean;
    } = {}): Promise<number> {
      // A final close (retire) after a plain one (SIGTERM) still says why, and tells refusals.
      if (!closing || final) {
        closeReason = reason;
        closedForGood = final;
      }
      closing = true;
      const all = [...sessions.values()];
      const running = all.flatMap((s) => (s.active ? [s.active] : []));
      for (const run of running) run.stop({ code: "interrupted", message: closeReason });
      // What the agents' commands left running in the background ends with the daemon, at once:
      // whoever stops it may not wait for the grace below (local-sandbox: 5 s).
      const killed = commandGroups.killAll();
      if (killed > 0) log(`agent: ended ${killed} process group(s) of the agents' commands`);
      await Promise.race([
        // Each session's queue too: a message being taken up now is refused and told.
        Promise.allSettled([
          ...running.map((run) => run.done),
          ...all.map((s) => s.serial(async () => {})),
        ]),
        new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
      ]);
      commandGroups.killAll(); // one started during the grace
      return running.length;
    },
  };
}
