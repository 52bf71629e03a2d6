/**
 * Agents: the machine's agent sessions (Slack threads and web sessions, newest activity first),
 * each opening its live view, and a box to start a session from the dashboard. Without a ready
 * machine the page says so (and how to get one) instead of failing.
 */
import type { SessionStatus, SessionSummary } from "@iterate/contract";
import { sessionPageUrl } from "../../agents/session-path.ts";
import {
  CsrfInput,
  EmptyState,
  Field,
  MachineUnavailable,
  type MachineUnavailableState,
} from "../components.tsx";
import { BotIcon } from "../icons.tsx";
import { InstanceLayout, type InstanceLayoutProps } from "../layout.tsx";

const STATUS_BADGE: Record<SessionStatus, { label: string; tone: string }> = {
  idle: { label: "Idle", tone: "off" },
  running: { label: "Running", tone: "warn" },
  done: { label: "Done", tone: "ok" },
  failed: { label: "Failed", tone: "bad" },
  stopped: { label: "Stopped", tone: "off" },
  interrupted: { label: "Interrupted", tone: "bad" },
};

/** A session status as a coloured badge (the live view's script updates `data-status`). */
export function SessionStatusBadge({ status }: { status: SessionStatus }) {
  const badge = STATUS_BADGE[status];
  return (
    <span class={`badge ${badge.tone}`} data-status={status} data-testid="session-status">
      {badge.label}
    </span>
  );
}

/** A session's title as people read it: Slack's mention markup (`<@U123>`) as `@U123`. */
export function sessionTitle(title: string): string {
  return title.replace(/<@([A-Z0-9]+)>/g, "@$1").trim();
}

/** What the machine said about its sessions, or why it could not say. */
export type AgentsMachineState = { ok: true; sessions: SessionSummary[] } | MachineUnavailableState;

type Props = Omit<InstanceLayoutProps, "section" | "title" | "children"> & {
  machine: AgentsMachineState;
};

const when = new Intl.DateTimeFormat("en-GB", {
  dateStyle: "medium",
  timeStyle: "short",
  timeZone: "UTC",
});

/** An ISO time as the tables show it, or the raw text when it does not parse. */
function At({ iso }: { iso: string }) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return <span class="muted">{iso}</span>;
  return <time datetime={date.toISOString()}>{`${when.format(date)} UTC`}</time>;
}

function SessionsTable({
  instanceId,
  sessions,
}: {
  instanceId: string;
  sessions: SessionSummary[];
}) {
  if (sessions.length === 0) {
    return (
      <EmptyState icon={<BotIcon />} title="No sessions yet">
        Mention the bot in Slack, or start a session above: every conversation with an agent shows
        up here, live.
      </EmptyState>
    );
  }
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Session</th>
            <th>From</th>
            <th>Status</th>
            <th class="hide-sm">Last activity</th>
            <th class="num hide-sm">Runs</th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr data-session={s.path}>
              <td>
                <a href={sessionPageUrl(instanceId, s.path)} class="session-title">
                  {sessionTitle(s.title) || "(no message yet)"}
                </a>
                <div class="mono muted session-path">{s.path}</div>
                {s.lastError ? <div class="session-error">{s.lastError.message}</div> : null}
              </td>
              <td>{s.source === "slack" ? "Slack" : "Dashboard"}</td>
              <td>
                <SessionStatusBadge status={s.status} />
              </td>
              <td class="hide-sm">
                <At iso={s.updatedAt} />
              </td>
              <td class="num hide-sm">{s.runs}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** /instances/:id/agents */
export function AgentsPage({ machine, ...layout }: Props) {
  const id = layout.instance.id;
  const base = `/instances/${id}`;
  return (
    <InstanceLayout
      {...layout}
      section="agents"
      title="Agents"
      description="Every agent session on your machine — Slack threads and sessions started here — with what the agent said and did."
      actions={
        machine.ok ? (
          <a class="btn secondary small" href={`${base}/machine-ui`}>
            Machine's own view
          </a>
        ) : null
      }
    >
      {machine.ok ? (
        <>
          <section class="card" id="start">
            <div class="card-head">
              <div>
                <h2>Start a session</h2>
                <p>Talk to an agent on your machine here, before (or instead of) Slack.</p>
              </div>
            </div>
            <div class="card-body">
              <form class="stack" method="post" action={`${base}/agents`}>
                <CsrfInput token={layout.csrfToken} />
                <Field label="Message" for="agent-text" hint="The agent works in ~/workspace.">
                  <textarea
                    id="agent-text"
                    name="text"
                    rows={3}
                    required
                    maxlength={32000}
                    placeholder="What should the agent do?"
                  />
                </Field>
                <div>
                  <button class="btn" type="submit">
                    Start session
                  </button>
                </div>
              </form>
            </div>
          </section>
          <section class="card" data-testid="sessions">
            <div class="card-head">
              <div>
                <h2>Sessions</h2>
                <p>Newest activity first. Open one to watch it live and stop it.</p>
              </div>
            </div>
            <SessionsTable instanceId={id} sessions={machine.sessions} />
          </section>
        </>
      ) : (
        <MachineUnavailable
          instanceId={id}
          reason={machine.reason}
          message={machine.message}
          what="Agent sessions live on the machine; they show"
          stateAttribute="data-agents-state"
        />
      )}
    </InstanceLayout>
  );
}
