import {
  type AgentError,
  type AgentItem,
  type AgentItemOf,
  agentItemSchema,
  type MessageOrigin,
} from "@iterate/contract";
import type { AgentMessage } from "@mariozechner/pi-agent-core";

/** What a session's stream says about it: everything needed to continue it. */
export interface SessionState {
  /**
   * The conversation as the model saw it, in order (restored ones included) — when folded with
   * `keepMessages` (a session holds it only while loaded: runs take it from `Session.history()`).
   */
  messages: AgentMessage[];
  /** How many messages the conversation has (all of them, also when `messages` holds fewer). */
  messageCount: number;
  /** Slack message ts the agent already took (so `app_mention` + `message` for one post count once). */
  takenTs: Set<string>;
  /**
   * The Slack events recorded since the agent last took up the thread (its last `run_started`
   * or `history_restored`; the newest {@link UNSEEN_SLACK_EVENTS}): what a daemon that stopped
   * between recording and taking left. Earlier ones were taken, restored or declined, by a
   * decision that may not be made again (the thread is another one now).
   */
  unseenSlackEvents: UnseenSlackEvent[];
  runs: number;
  /** The agent has spoken here before (a run, or its own messages restored from Slack). */
  agentActive: boolean;
  /** A run that started and never finished (the daemon stopped mid-run). */
  dangling: DanglingRun | null;
  lastOutcome: AgentItemOf<"run_finished">["outcome"] | null;
  lastError: AgentError | null;
  /** The first user message's text, for listings. */
  title: string;
  createdAt: string | null;
  updatedAt: string | null;
}

/** A Slack event by its id, as {@link SessionState.unseenSlackEvents} keeps it (no payload). */
export interface UnseenSlackEvent {
  eventId: string;
  ts: string;
  receivedAt: string;
}

/** A run cut short by a stop of the daemon, with what is needed to say so in Slack. */
export interface DanglingRun {
  runId: string;
  startedAt: string;
  origins: MessageOrigin[];
  statusPost: { channel: string; ts: string } | null;
  toolCalls: number;
}

/** How many unseen Slack events a session's state keeps (a burst while no daemon took them). */
export const UNSEEN_SLACK_EVENTS = 5;

/** An empty session. */
export function emptySessionState(): SessionState {
  return {
    messages: [],
    messageCount: 0,
    takenTs: new Set(),
    unseenSlackEvents: [],
    runs: 0,
    agentActive: false,
    dangling: null,
    lastOutcome: null,
    lastError: null,
    title: "",
    createdAt: null,
    updatedAt: null,
  };
}

/**
 * Folds stream items into the session's state (in place, so a reader can continue from where
 * it stopped). The Slack edge's `slack_event` items are kept apart (the last few); malformed
 * items are skipped: a bad item never makes a session unreadable.
 *
 * @example
 * const state = emptySessionState();
 * applySessionItems(state, (await readSessionItems(store, path)).items);
 * agent.state.messages = state.messages;
 */
export function applySessionItems(
  state: SessionState,
  raw: readonly unknown[],
  options: { keepMessages?: boolean } = {},
): SessionState {
  const keepMessages = options.keepMessages ?? true;
  for (const value of raw) {
    const at = (value as { at?: unknown; receivedAt?: unknown } | null) ?? {};
    const when =
      typeof at.at === "string" ? at.at : typeof at.receivedAt === "string" ? at.receivedAt : null;
    if (when) {
      state.createdAt ??= when;
      state.updatedAt = when;
    }
    const event = value as Partial<Record<"type" | "eventId" | "ts" | "receivedAt", unknown>>;
    if (event?.type === "slack_event") {
      const { eventId, ts, receivedAt } = event;
      if (typeof eventId === "string" && typeof ts === "string" && typeof receivedAt === "string") {
        state.unseenSlackEvents.push({ eventId, ts, receivedAt });
        if (state.unseenSlackEvents.length > UNSEEN_SLACK_EVENTS) state.unseenSlackEvents.shift();
      }
      continue;
    }
    const parsed = agentItemSchema.safeParse(value);
    if (parsed.success) applyItem(state, parsed.data, keepMessages);
  }
  return state;
}

function applyItem(state: SessionState, item: AgentItem, keepMessages: boolean): void {
  switch (item.type) {
    case "message": {
      const message = item.message as unknown as AgentMessage;
      if (keepMessages) state.messages.push(message);
      state.messageCount++;
      if (item.origin?.kind === "slack") state.takenTs.add(item.origin.ts);
      if (message.role === "user" && state.title === "") state.title = titleOf(message);
      if (message.role === "assistant") state.agentActive = true;
      if (item.origin && state.dangling) state.dangling.origins.push(item.origin);
      return;
    }
    case "run_started":
      state.unseenSlackEvents = [];
      state.runs++;
      state.agentActive = true;
      state.dangling = {
        runId: item.runId,
        startedAt: item.at,
        origins: [],
        statusPost: null,
        toolCalls: 0,
      };
      return;
    case "tool_call":
      if (state.dangling) state.dangling.toolCalls++;
      return;
    case "history_restored":
      state.unseenSlackEvents = [];
      return;
    case "slack_post":
      if (state.dangling && item.kind === "status" && state.dangling.runId === item.runId) {
        state.dangling.statusPost = { channel: item.channel, ts: item.ts };
      }
      return;
    case "run_finished":
      state.dangling = null;
      state.lastOutcome = item.outcome;
      state.lastError = item.error;
      return;
    default:
      return;
  }
}

function titleOf(message: AgentMessage): string {
  if (message.role !== "user") return "";
  const text =
    typeof message.content === "string"
      ? message.content
      : message.content.map((part) => (part.type === "text" ? part.text : "")).join(" ");
  // Slack messages start with their author's mention (`<@U1>: …`), which says nothing as a title.
  const flat = text
    .replace(/^<@[A-Z0-9]+>:\s*/, "")
    .replace(/\s+/g, " ")
    .trim();
  return flat.length > 120 ? `${flat.slice(0, 119)}…` : flat;
}
