/** Shared dashboard building blocks: flash banner, empty state, form field, times, CSRF input. */
import type { Child } from "hono/jsx";
import { CSRF_FIELD } from "../middleware/csrf.ts";
import type { Flash } from "../middleware/flash.ts";
import { AlertIcon, CheckIcon, ServerIcon } from "./icons.tsx";

/** The success or error message left by the previous action. */
export function FlashBanner({ flash }: { flash: Flash | null | undefined }) {
  if (!flash) return null;
  return (
    <div class={`flash ${flash.kind}`} role={flash.kind === "error" ? "alert" : "status"}>
      {flash.kind === "success" ? <CheckIcon /> : <AlertIcon />}
      <span>{flash.message}</span>
    </div>
  );
}

/** What a list shows when it has nothing in it: what belongs here and how to add it. */
export function EmptyState(props: { icon: Child; title: string; children: Child }) {
  return (
    <div class="empty">
      <div class="icon">{props.icon}</div>
      <h2>{props.title}</h2>
      <p>{props.children}</p>
    </div>
  );
}

/** A machine a page could not ask, and why (routes/pages/machine-unavailable.ts makes one). */
export type MachineUnavailableState = {
  ok: false;
  reason: "not_ready" | "unreachable";
  message: string;
};

/**
 * A page whose data lives on the machine, when the machine cannot give it: not ready yet, or
 * not answering. `what` finishes the sentence "… shows here once the machine is ready".
 */
export function MachineUnavailable(props: {
  instanceId: string;
  reason: MachineUnavailableState["reason"];
  message: string;
  /** e.g. "Agent sessions live on the machine; they show" */
  what: string;
  /** The `data-*` attribute tests and scripts find the card by. */
  stateAttribute: string;
}) {
  return (
    <section class="card" {...{ [props.stateAttribute]: props.reason }}>
      <EmptyState
        icon={<ServerIcon />}
        title={
          props.reason === "not_ready" ? "The machine is not ready" : "The machine did not answer"
        }
      >
        {props.message} {props.what} here once it is{" "}
        <a href={`/instances/${props.instanceId}/machines`}>ready</a>.
      </EmptyState>
    </section>
  );
}

/** The hidden CSRF field every form carries. */
export function CsrfInput({ token }: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={token} />;
}

/** A labelled form control with an optional hint. */
export function Field(props: { label: string; for: string; hint?: Child; children: Child }) {
  return (
    <div class="field">
      <label for={props.for}>{props.label}</label>
      {props.children}
      {props.hint ? <span class="hint">{props.hint}</span> : null}
    </div>
  );
}

/** A one-button form that asks before it posts (revoke, delete): see `form[data-confirm]`. */
export function ConfirmForm(props: {
  action: string;
  confirm: string;
  csrfToken: string;
  label: string;
}) {
  return (
    <form method="post" action={props.action} data-confirm={props.confirm}>
      <CsrfInput token={props.csrfToken} />
      <button class="btn danger small" type="submit">
        {props.label}
      </button>
    </form>
  );
}

const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
const absolute = new Intl.DateTimeFormat("en-GB", {
  dateStyle: "medium",
  timeStyle: "short",
  timeZone: "UTC",
});

/** "3 minutes ago" style text for a past or future date. */
export function relativeTime(date: Date, now: Date = new Date()): string {
  const seconds = Math.round((date.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return "just now";
  if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), "hour");
  if (abs < 30 * 86_400) return relative.format(Math.round(seconds / 86_400), "day");
  return absolute.format(date);
}

/** A `<time>` showing relative text, with the exact UTC time on hover. */
export function Time({ date, empty = "—" }: { date: Date | null | undefined; empty?: string }) {
  if (!date) return <span class="muted">{empty}</span>;
  return (
    <time datetime={date.toISOString()} title={`${absolute.format(date)} UTC`}>
      {relativeTime(date)}
    </time>
  );
}
