import type { WebClient } from "@slack/web-api";
import type { RunObserver, RunResult } from "../loop/run-types.ts";
import { markdownToMrkdwn } from "./mrkdwn.ts";
import { splitForSlack } from "./split-message.ts";
import { createStatusLine } from "./status-line.ts";

/** `metadata.event_type` of the agent's posts: a restore from Slack skips status lines by it. */
export const STATUS_EVENT_TYPE = "iterate_agent_status";
export const ANSWER_EVENT_TYPE = "iterate_agent_answer";

/** Options of {@link createSlackRunObserver}. */
export interface SlackRunObserverOptions {
  slack: WebClient;
  channel: string;
  threadTs: string;
  /** The dashboard page of this session ("View session"). */
  link: string;
  /** Records a post in the session stream (status line or answer part). */
  onPost(kind: "status" | "answer", ts: string): void;
  log(line: string): void;
  statusThrottleMs?: number;
}

/**
 * Shows a run in its Slack thread: one status message edited as the agent works (with the
 * View session link), each answer posted as mrkdwn in as many messages as Slack's limit needs,
 * then ✅ on every message the run took — or ❌, with the error in words in the status message.
 * Slack failures are logged, never thrown: the run and its record do not depend on Slack. But a
 * run whose answer did not all reach the thread does not end in ✅: the status says so (the
 * session has the whole answer), and the reaction is ❌.
 *
 * @example
 * const observer = createSlackRunObserver({ slack, channel, threadTs, link, onPost, log });
 * observer.status("reading `a.ts`"); observer.answer("**Done**"); await observer.finished(result);
 */
export function createSlackRunObserver(options: SlackRunObserverOptions): RunObserver {
  const { slack, channel, threadTs } = options;
  const viewLink = `<${options.link}|View session>`;
  const complain = (what: string) => (error: unknown) => {
    options.log(`slack: ${what} in ${channel}/${threadTs} failed: ${(error as Error).message}`);
  };
  const metadata = (eventType: string) => ({
    event_type: eventType,
    event_payload: { session: options.link },
  });
  const status = createStatusLine({
    throttleMs: options.statusThrottleMs,
    async post(text) {
      const answer = await slack.chat.postMessage({
        channel,
        thread_ts: threadTs,
        text,
        unfurl_links: false,
        metadata: metadata(STATUS_EVENT_TYPE),
      });
      if (answer.ts) options.onPost("status", answer.ts);
      return answer.ts ?? null;
    },
    async update(ts, text) {
      await slack.chat.update({ channel, ts, text }).catch(complain("chat.update"));
    },
  });
  let answers: Promise<void> = Promise.resolve();
  /** Answer parts Slack refused (after the client's own retry). */
  let unposted = 0;
  const line = (text: string) => `:hourglass_flowing_sand: ${text} · ${viewLink}`;

  return {
    started() {
      status.set(line("working on it"));
    },
    status(text) {
      status.set(line(text));
    },
    answer(markdown) {
      const parts = splitForSlack(markdownToMrkdwn(markdown));
      answers = answers.then(async () => {
        for (const text of parts) {
          const posted = await slack.chat
            .postMessage({
              channel,
              thread_ts: threadTs,
              text,
              mrkdwn: true,
              unfurl_links: false,
              metadata: metadata(ANSWER_EVENT_TYPE),
            })
            .catch(complain("chat.postMessage"));
          if (posted?.ts) options.onPost("answer", posted.ts);
          else unposted++;
        }
      });
    },
    answered: () => answers,
    async finished(result: RunResult) {
      await answers;
      const seconds = `${(result.durationMs / 1000).toFixed(1)} s`;
      const steps = `${result.toolCalls} tool call${result.toolCalls === 1 ? "" : "s"}`;
      const done = result.outcome === "done" && unposted === 0;
      const final = done
        ? `:white_check_mark: Done · ${steps} · ${seconds} · ${viewLink}`
        : result.outcome === "done"
          ? `:x: I finished, but Slack refused ${unposted === 1 ? "a part" : `${unposted} parts`} of my answer; the session has all of it · ${viewLink}`
          : `:x: ${result.error?.message ?? "The run failed."} · ${viewLink}`;
      if (result.outcome === "done" && !result.answered) {
        await slack.chat
          .postMessage({
            channel,
            thread_ts: threadTs,
            text: "_(I finished without anything to say.)_",
          })
          .catch(complain("chat.postMessage"));
      }
      await status.finish(final);
      const reaction = done ? "white_check_mark" : "x";
      for (const origin of result.origins) {
        if (origin.kind !== "slack" || origin.channel !== channel) continue;
        await addReaction(slack, channel, origin.ts, reaction).catch(
          complain(`reactions.add ${reaction}`),
        );
      }
    },
  };
}

/**
 * `reactions.add`, treating Slack's `already_reacted` as done (a redelivered event, or a
 * restart that reacts again).
 */
export async function addReaction(
  slack: WebClient,
  channel: string,
  ts: string,
  name: string,
): Promise<void> {
  try {
    await slack.reactions.add({ channel, timestamp: ts, name });
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    if (code !== "already_reacted") throw error;
  }
}
