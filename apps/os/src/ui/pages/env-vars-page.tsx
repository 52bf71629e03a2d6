/** Env vars: set, update, delete; values masked, revealed one at a time on request. */
import { ENV_VARS_MAX_PER_INSTANCE, RESERVED_ENV_NAMES } from "@iterate/contract";
import type { EnvVarSummary } from "../../db/env-vars.ts";
import { ConfirmForm, CsrfInput, EmptyState, Field, Time } from "../components.tsx";
import { BracesIcon } from "../icons.tsx";
import { InstanceLayout, type InstanceLayoutProps } from "../layout.tsx";

type Props = Omit<InstanceLayoutProps, "section" | "title" | "children"> & {
  envVars: EnvVarSummary[];
  /** The name being edited (from `?edit=`), pre-filled in the form. */
  editing?: string | null;
  /** Whether the running machine has the latest values (`none`: no machine is ready). */
  machineEnv: MachineEnvState;
};

/** How the ready machine's env compares with the instance's. */
export type MachineEnvState = "current" | "stale" | "none";

const MACHINE_ENV_NOTE: Record<MachineEnvState, { tone: string; text: string }> = {
  current: { tone: "ok", text: "The running machine has the latest values." },
  stale: {
    tone: "warn",
    text: "The running machine has older values: the last update did not reach it. Save again or rebuild the machine.",
  },
  none: { tone: "off", text: "No machine is running; the next one starts with these values." },
};

/** /instances/:id/env-vars */
export function EnvVarsPage({ envVars, editing, machineEnv, ...layout }: Props) {
  const base = `/instances/${layout.instance.id}/env-vars`;
  const api = `/api/instances/${layout.instance.id}/env-vars`;
  return (
    <InstanceLayout
      {...layout}
      section="env-vars"
      title="Env vars"
      description="Variables your machine's agents see. They override the platform's defaults and are encrypted at rest."
    >
      <p class="machine-env" data-machine-env={machineEnv}>
        <span class={`badge ${MACHINE_ENV_NOTE[machineEnv].tone}`}>
          {machineEnv === "current"
            ? "In sync"
            : machineEnv === "stale"
              ? "Out of date"
              : "No machine"}
        </span>{" "}
        {MACHINE_ENV_NOTE[machineEnv].text}
      </p>
      <section class="card" id="set">
        <div class="card-head">
          <div>
            <h2>{editing ? `Update ${editing}` : "Set a variable"}</h2>
            <p>
              {editing
                ? "Enter the new value; the old one is replaced."
                : "Setting an existing name replaces its value."}
            </p>
          </div>
          {editing ? (
            <a class="btn secondary small" href={base}>
              Cancel
            </a>
          ) : null}
        </div>
        <div class="card-body">
          <form class="stack" method="post" action={base}>
            <CsrfInput token={layout.csrfToken} />
            <Field
              label="Name"
              for="env-name"
              hint={
                <>
                  Letters, digits and underscores, not starting with a digit. Reserved:{" "}
                  {RESERVED_ENV_NAMES.join(", ")}.
                </>
              }
            >
              <input
                id="env-name"
                name="name"
                type="text"
                required
                maxlength={128}
                pattern="[A-Za-z_][A-Za-z0-9_]*"
                placeholder="GITHUB_TOKEN"
                value={editing ?? ""}
                readonly={Boolean(editing)}
                autocomplete="off"
                spellcheck={false}
              />
            </Field>
            <Field label="Value" for="env-value" hint="Up to 32 KiB.">
              <textarea
                id="env-value"
                name="value"
                rows={2}
                autocomplete="off"
                spellcheck={false}
                autofocus={Boolean(editing)}
              />
            </Field>
            <div>
              <button class="btn" type="submit">
                {editing ? "Update variable" : "Save variable"}
              </button>
            </div>
          </form>
        </div>
      </section>
      <section class="card">
        <div class="card-head">
          <h2>Variables</h2>
          <span class="muted">
            {envVars.length} of {ENV_VARS_MAX_PER_INSTANCE}
          </span>
        </div>
        {envVars.length === 0 ? (
          <EmptyState icon={<BracesIcon />} title="No env vars yet">
            Add API keys and settings your agents need. Values are encrypted and only shown when you
            reveal them.
          </EmptyState>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Value</th>
                  <th class="hide-sm">Updated</th>
                  <th>
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {envVars.map((v, i) => (
                  <tr data-env-name={v.name}>
                    <td class="mono">{v.name}</td>
                    <td>
                      <span id={`env-value-${i}`} class="masked">
                        ••••••••
                      </span>
                    </td>
                    <td class="hide-sm">
                      <Time date={v.updatedAt} />
                    </td>
                    <td class="actions">
                      <button
                        class="btn secondary small"
                        type="button"
                        data-reveal={`${api}/${encodeURIComponent(v.name)}`}
                        data-target={`env-value-${i}`}
                      >
                        Reveal
                      </button>
                      <a
                        class="btn secondary small"
                        href={`${base}?edit=${encodeURIComponent(v.name)}#set`}
                      >
                        Edit
                      </a>
                      <ConfirmForm
                        action={`${base}/${encodeURIComponent(v.name)}/delete`}
                        confirm={`Delete ${v.name}? Your machine loses it on its next env update.`}
                        csrfToken={layout.csrfToken}
                        label="Delete"
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </InstanceLayout>
  );
}
