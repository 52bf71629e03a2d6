import type { AgentError, MessageOrigin } from "@iterate/contract";

/** How a run ended, for the session record and whoever shows it (Slack, the dashboard). */
export interface RunResult {
  runId: string;
  outcome: "done" | "failed" | "stopped" | "interrupted";
  error: AgentError | null;
  toolCalls: number;
  durationMs: number;
  /** Every user message the run took (the one that started it, then steered ones). */
  origins: MessageOrigin[];
  /** The agent posted at least one answer. */
  answered: boolean;
}

/**
 * Where a run's progress shows besides its stream: the Slack thread, or nothing for a web
 * session (the dashboard tails the stream). Calls must not throw; `finished` is awaited before
 * the session takes its next message.
 */
export interface RunObserver {
  /** The run has begun (its `run_started` is written). */
  started(): void;
  /** What the agent is doing now, in a few words ("reading `src/app.ts`"). */
  status(text: string): void;
  /** A complete answer: the model stopped with this text (Markdown). */
  answer(text: string): void;
  /** Settles once every answer given so far has been shown (or its showing failed). */
  answered(): Promise<void>;
  finished(result: RunResult): Promise<void>;
}

/** An observer that shows nothing (web sessions, tests). */
export const SILENT_OBSERVER: RunObserver = {
  started() {},
  status() {},
  answer() {},
  answered: async () => {},
  finished: async () => {},
};
