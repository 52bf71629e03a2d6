/**
 * One agent session, live: its messages, tool calls and results rendered by /assets/agents.js
 * from the session's stream as the platform relays it (SSE; agents-script.ts), a Stop button for
 * the running agent, and — for sessions started here — a box for the next message. Slack
 * sessions are continued in their thread.
 */
import type { SessionSummary } from "@iterate/contract";
import { sessionPageUrl } from "../../agents/session-path.ts";
import { CsrfInput, MachineUnavailable, type MachineUnavailableState } from "../components.tsx";
import { InstanceLayout, type InstanceLayoutProps } from "../layout.tsx";
import { SessionStatusBadge, sessionTitle } from "./agents-page.tsx";

type Props = Omit<InstanceLayoutProps, "section" | "title" | "children"> & {
  path: string;
  /** The session as the machine lists it, or why the machine could not be asked. */
  session: { ok: true; summary: SessionSummary } | MachineUnavailableState;
};

/** /instances/:id/agents/:session */
export function AgentSessionPage({ path, session, ...layout }: Props) {
  const id = layout.instance.id;
  const page = sessionPageUrl(id, path);
  const web = path.startsWith("web/");
  const back = (
    <a class="btn secondary small" href={`/instances/${id}/agents`}>
      All sessions
    </a>
  );
  if (!session.ok) {
    return (
      <InstanceLayout {...layout} section="agents" title="Agent session" actions={back}>
        <MachineUnavailable
          instanceId={id}
          reason={session.reason}
          message={session.message}
          what="This session lives on the machine; it shows"
          stateAttribute="data-agents-state"
        />
      </InstanceLayout>
    );
  }
  const summary = session.summary;
  return (
    <InstanceLayout
      {...layout}
      section="agents"
      title={sessionTitle(summary.title) || "Agent session"}
      description={
        <>
          {web ? "Started from the dashboard" : "A Slack thread"} · <span class="mono">{path}</span>
        </>
      }
      actions={
        <div class="agent-actions">
          {back}
          <form method="post" action={`${page}/stop`} data-agent-stop>
            <CsrfInput token={layout.csrfToken} />
            <button
              class="btn danger small"
              type="submit"
              data-testid="stop"
              disabled={summary.status !== "running"}
            >
              Stop
            </button>
          </form>
        </div>
      }
    >
      <div class="agent-session" data-agent-session data-stream={`${page}/stream`}>
        <div class="agent-bar">
          <SessionStatusBadge status={summary.status} />
          <span class="muted" data-testid="live-state" data-agent-live>
            connecting…
          </span>
          <span class="agent-activity" data-agent-activity />
          <a
            class="agent-machine-view"
            href={`/instances/${id}/machine-ui?session=${encodeURIComponent(path)}`}
          >
            Machine's own view
          </a>
        </div>
        <section class="card agent-log" data-testid="agent-log" data-agent-log aria-live="polite">
          <p class="muted agent-empty" data-agent-empty>
            Loading the session…
          </p>
        </section>
        {web ? (
          <form
            class="card agent-reply"
            method="post"
            action={`${page}/messages`}
            data-agent-message
          >
            <CsrfInput token={layout.csrfToken} />
            <label class="sr-only" for="agent-reply">
              Message
            </label>
            <textarea
              id="agent-reply"
              name="text"
              rows={2}
              required
              maxlength={32000}
              placeholder="Reply to the agent (steers it while it works)"
            />
            <button class="btn" type="submit">
              Send
            </button>
          </form>
        ) : (
          <p class="muted">Reply in the Slack thread to continue this session.</p>
        )}
        <p class="muted agent-note" data-agent-note role="status" />
      </div>
      <script src="/assets/agents.js" defer />
    </InstanceLayout>
  );
}
