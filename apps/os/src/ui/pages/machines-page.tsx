/**
 * Machines: the current machine, moving live through its steps (the panel is re-fetched while
 * the page is open — see `[data-live]` in client-script.ts), its daemon's live answer once ready,
 * the history of earlier machines with their errors, and Rebuild.
 */
import type { PlatformPingResponse } from "@iterate/contract";
import type { MachineRow, MachineStatus } from "../../db/schema.ts";
import type { OutboxStatus } from "../../slack/outbox.ts";
import { ConfirmForm, EmptyState, Time } from "../components.tsx";
import { ServerIcon } from "../icons.tsx";
import { InstanceLayout, type InstanceLayoutProps } from "../layout.tsx";

const STATUS_BADGE: Record<MachineStatus, { label: string; tone: string }> = {
  creating: { label: "Creating", tone: "warn" },
  starting: { label: "Starting", tone: "warn" },
  bootstrapping: { label: "Bootstrapping", tone: "warn" },
  ready: { label: "Ready", tone: "ok" },
  failed: { label: "Failed", tone: "bad" },
  archived: { label: "Archived", tone: "off" },
};

/** The steps a new machine goes through, in order, with what each is doing. */
const STEPS: { status: MachineStatus; label: string }[] = [
  { status: "creating", label: "Creating the sandbox" },
  { status: "starting", label: "Waiting for the daemon to report" },
  { status: "bootstrapping", label: "Cloning the repository" },
  { status: "ready", label: "Ready for agents" },
];

/** A machine status as a coloured badge. */
export function MachineStatusBadge({ status }: { status: MachineStatus }) {
  const badge = STATUS_BADGE[status];
  return (
    <span class={`badge ${badge.tone}`} data-status={status}>
      {badge.label}
    </span>
  );
}

/** What the panel shows of the ready machine's daemon: its ping, or why there is none. */
export type LivePing = { ok: true; ping: PlatformPingResponse } | { ok: false; message: string };

/** Everything the live panel renders. */
export type MachinePanelProps = {
  instanceId: string;
  current: MachineRow | null;
  history: MachineRow[];
  /** Time-out of each in-progress status, in words ("5 minutes"). */
  timeouts: Partial<Record<MachineStatus, string>>;
  ping: LivePing | null;
  /** Slack events waiting in the outbox for a machine to take them; null when none wait. */
  slackWaiting: OutboxStatus | null;
  csrfToken: string;
};

function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

function Steps({
  machine,
  timeouts,
}: {
  machine: MachineRow;
  timeouts: MachinePanelProps["timeouts"];
}) {
  const at = STEPS.findIndex((s) => s.status === machine.status);
  return (
    <ol class="steps">
      {STEPS.map((step, i) => {
        const state = i < at || machine.status === "ready" ? "done" : i === at ? "active" : "todo";
        return (
          <li class={`step ${state}`} data-step={step.status}>
            <span class="step-label">{step.label}</span>
            {state === "active" && step.status !== "ready" ? (
              <span class="step-time muted">
                <span data-elapsed-since={machine.statusChangedAt.toISOString()}>0s</span>
                {timeouts[step.status] ? ` of at most ${timeouts[step.status]}` : ""}
              </span>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}

function CurrentMachine(props: MachinePanelProps & { current: MachineRow }) {
  const { current, ping } = props;
  return (
    <div class="card-body">
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <MachineStatusBadge status={current.status} />
        </dd>
        <dt>Machine</dt>
        <dd class="mono">{current.id}</dd>
        <dt>Provider</dt>
        <dd>{current.provider}</dd>
        <dt>Created</dt>
        <dd>
          <Time date={current.createdAt} />
        </dd>
        <dt>Ready</dt>
        <dd>
          <Time date={current.readyAt} empty="not yet" />
        </dd>
        {ping ? (
          <>
            <dt>Daemon</dt>
            <dd data-ping={ping.ok ? "ok" : "error"}>
              {ping.ok
                ? `answering · version ${ping.ping.version} · up ${formatUptime(ping.ping.uptimeMs)}`
                : ping.message}
            </dd>
          </>
        ) : null}
      </dl>
      <Steps machine={current} timeouts={props.timeouts} />
      {current.pingConflictAt ? (
        <p class="flash error" role="alert">
          A ping with a different secret was refused <Time date={current.pingConflictAt} />. Only
          something else holding this machine's token sends one: rebuild the machine if you did not
          expect it.
        </p>
      ) : null}
    </div>
  );
}

/**
 * Slack messages the machine has not taken yet: why the bot is quiet, next to Rebuild. They are
 * kept and delivered in order once a machine takes them (docs/slack-events.md).
 */
function SlackWaiting({ outbox }: { outbox: OutboxStatus }) {
  const events = outbox.depth === 1 ? "1 Slack event is" : `${outbox.depth} Slack events are`;
  return (
    <p class="flash warn" role="status" data-slack-waiting={outbox.depth}>
      <span>
        {events} waiting to reach this machine; they are kept and delivered in order once it takes
        them.
        {outbox.lastError ? (
          <>
            {" "}
            Last delivery error{" "}
            {outbox.lastErrorAt ? <Time date={new Date(outbox.lastErrorAt)} /> : null}:{" "}
            {outbox.lastError}
          </>
        ) : null}
      </span>
    </p>
  );
}

/** The part of the page that is re-fetched while it is open (`GET …/machines/panel`). */
export function MachinePanel(props: MachinePanelProps) {
  const { current, history, instanceId } = props;
  // Poll fast while something is moving, slowly once ready or when there is nothing to watch.
  const settled = !current || current.status === "ready";
  return (
    <div
      id="machine-panel"
      data-live={`/instances/${instanceId}/machines/panel`}
      data-interval={settled ? "5000" : "1000"}
    >
      <section class="card">
        <div class="card-head">
          <div>
            <h2>Current machine</h2>
          </div>
          <ConfirmForm
            action={`/instances/${instanceId}/machines/rebuild`}
            confirm="Rebuild the machine? Its running agents are stopped (their Slack threads are told) and the current one is deleted."
            csrfToken={props.csrfToken}
            label="Rebuild machine"
          />
        </div>
        {/* Also with no machine at all: that is when events wait longest. */}
        {props.slackWaiting ? (
          <div class="card-body">
            <SlackWaiting outbox={props.slackWaiting} />
          </div>
        ) : null}
        {current ? (
          <CurrentMachine {...props} current={current} />
        ) : (
          <EmptyState icon={<ServerIcon />} title="No machine running">
            This instance has no machine. Rebuild machine creates one: a sandbox with the daemon
            that runs your agents against your repository.
          </EmptyState>
        )}
      </section>
      {history.length > 0 ? (
        <section class="card">
          <div class="card-head">
            <h2>History</h2>
          </div>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Machine</th>
                  <th>Status</th>
                  <th class="hide-sm">Created</th>
                  <th>Details</th>
                </tr>
              </thead>
              <tbody>
                {history.map((m) => (
                  <tr data-machine={m.id}>
                    <td class="mono">{m.id}</td>
                    <td>
                      <MachineStatusBadge status={m.status} />
                    </td>
                    <td class="hide-sm">
                      <Time date={m.createdAt} />
                    </td>
                    <td class="muted">
                      {m.error ?? (m.archivedAt ? "Replaced by a rebuild." : "")}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </div>
  );
}

type Props = Omit<InstanceLayoutProps, "section" | "title" | "children"> & {
  panel: MachinePanelProps;
};

/** /instances/:id/machines */
export function MachinesPage({ panel, ...layout }: Props) {
  return (
    <InstanceLayout
      {...layout}
      section="machines"
      title="Machines"
      description="Each instance runs one machine: a sandbox with the daemon that runs your agents against your repository."
    >
      <MachinePanel {...panel} />
    </InstanceLayout>
  );
}
