/** Machines: the instance's current machine and the ones before it. */
import type { MachineRow, MachineStatus } from "../../db/schema.ts";
import { EmptyState, Time } from "../components.tsx";
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

/** A machine status as a coloured badge. */
export function MachineStatusBadge({ status }: { status: MachineStatus }) {
  const badge = STATUS_BADGE[status];
  return <span class={`badge ${badge.tone}`}>{badge.label}</span>;
}

type Props = Omit<InstanceLayoutProps, "section" | "title" | "children"> & {
  current: MachineRow | null;
  history: MachineRow[];
};

/** /instances/:id/machines */
export function MachinesPage({ current, history, ...layout }: Props) {
  return (
    <InstanceLayout
      {...layout}
      section="machines"
      title="Machines"
      description="Each instance runs one machine: a sandbox with the daemon that runs your agents against your repository."
    >
      <section class="card">
        <div class="card-head">
          <div>
            <h2>Current machine</h2>
          </div>
        </div>
        {current ? (
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
            </dl>
          </div>
        ) : (
          <EmptyState icon={<ServerIcon />} title="No machine yet">
            This instance has no machine running. Once machines are enabled, one is created for it
            and its status appears here.
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
                  <tr>
                    <td class="mono">{m.id}</td>
                    <td>
                      <MachineStatusBadge status={m.status} />
                    </td>
                    <td class="hide-sm">
                      <Time date={m.createdAt} />
                    </td>
                    <td class="muted">{m.error ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </InstanceLayout>
  );
}
