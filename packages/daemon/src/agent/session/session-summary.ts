import type { SessionSummary } from "@iterate/contract";
import type { Session } from "./session.ts";
import type { SessionState } from "./session-state.ts";

/**
 * A session's row in listings, or null for a stream the agent never worked in (a Slack thread
 * the bot only overheard: the edge records every event, the agent answers few).
 *
 * @example summarizeSession(session, await session.refresh())?.status; // "running"
 */
export function summarizeSession(session: Session, state: SessionState): SessionSummary | null {
  if (state.runs === 0 && state.messageCount === 0) return null;
  const status: SessionSummary["status"] = session.active
    ? "running"
    : state.dangling
      ? "interrupted"
      : (state.lastOutcome ?? "idle");
  const at = state.updatedAt ?? new Date(0).toISOString();
  return {
    path: session.path,
    source: session.source,
    status,
    title: state.title,
    createdAt: state.createdAt ?? at,
    updatedAt: at,
    runs: state.runs,
    lastError: state.lastError,
  };
}
