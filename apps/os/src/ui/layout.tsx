/**
 * Page shells: the HTML document, the centred card of the sign-up and log-in pages, and the
 * per-instance layout with its sidebar (Machines, Access tokens, Env vars, Settings).
 */

import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import type { Instance, User } from "../db/schema.ts";
import type { Flash } from "../middleware/flash.ts";
import { ConfirmForm, CsrfInput, FlashBanner } from "./components.tsx";
import {
  BotIcon,
  BracesIcon,
  GaugeIcon,
  HashIcon,
  KeyIcon,
  ServerIcon,
  SettingsIcon,
  WrenchIcon,
} from "./icons.tsx";

/** The full HTML document around a page. */
export function Document(props: { title: string; children: Child }) {
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light" />
          <title>{`${props.title} · iterate`}</title>
          <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
          <link rel="stylesheet" href="/assets/app.css" />
          <script src="/assets/app.js" defer />
        </head>
        <body>{props.children}</body>
      </html>
    </>
  );
}

/** The product mark and name. */
export function Brand({ href = "/" }: { href?: string }) {
  return (
    <a class="brand" href={href}>
      <span class="brand-mark">i</span>
      <span>iterate</span>
    </a>
  );
}

/** The centred single-card layout of /signup and /login. */
export function AuthLayout(props: {
  title: string;
  lede: string;
  flash?: Flash | null;
  footer: Child;
  children: Child;
}) {
  return (
    <Document title={props.title}>
      <main class="auth">
        <div class="auth-card">
          <Brand />
          <div class="card">
            <h1>{props.title}</h1>
            <p class="lede">{props.lede}</p>
            <FlashBanner flash={props.flash} />
            {props.children}
          </div>
          <p class="auth-switch">{props.footer}</p>
        </div>
      </main>
    </Document>
  );
}

/** The sidebar sections of an instance. */
export type InstanceSection =
  | "machines"
  | "agents"
  | "tools"
  | "access-tokens"
  | "env-vars"
  | "slack"
  | "settings"
  | "usage";

const SECTIONS: { id: InstanceSection; label: string; icon: () => Child }[] = [
  { id: "machines", label: "Machines", icon: ServerIcon },
  { id: "agents", label: "Agents", icon: BotIcon },
  { id: "tools", label: "Tools", icon: WrenchIcon },
  { id: "access-tokens", label: "Access tokens", icon: KeyIcon },
  { id: "env-vars", label: "Env vars", icon: BracesIcon },
  { id: "slack", label: "Slack", icon: HashIcon },
  { id: "settings", label: "Settings", icon: SettingsIcon },
  { id: "usage", label: "Usage", icon: GaugeIcon },
];

/** Everything the instance layout needs besides the page body. */
export type InstanceLayoutProps = {
  user: User;
  instance: Instance;
  csrfToken: string;
  flash: Flash | null;
  section: InstanceSection;
  title: string;
  description?: Child;
  actions?: Child;
  children: Child;
};

/** An instance page: sidebar with the four sections, page heading, flash, then the body. */
export function InstanceLayout(props: InstanceLayoutProps) {
  const base = `/instances/${props.instance.id}`;
  return (
    <Document title={`${props.title} — ${props.instance.name}`}>
      <div class="shell">
        <aside class="sidebar">
          <Brand href={`${base}/machines`} />
          <div class="instance-chip">
            <div class="label">Instance</div>
            <div class="name" title={props.instance.name}>
              {props.instance.name}
            </div>
            <div class="slug">{props.instance.slug}</div>
          </div>
          <nav class="nav" aria-label="Instance">
            {SECTIONS.map((s) => (
              <a
                href={`${base}/${s.id}`}
                aria-current={s.id === props.section ? "page" : undefined}
              >
                <s.icon />
                {s.label}
              </a>
            ))}
          </nav>
          <div class="sidebar-foot">
            <div class="sidebar-action">
              <ConfirmForm
                action={`${base}/machines/rebuild`}
                confirm="Rebuild the machine? Its running agents are stopped (their Slack threads are told) and the current one is deleted."
                csrfToken={props.csrfToken}
                label="Rebuild machine"
              />
            </div>
            <div class="who">
              <span class="avatar" aria-hidden="true">
                {props.user.email.slice(0, 1)}
              </span>
              <span class="email" title={props.user.email}>
                {props.user.email}
              </span>
              <form method="post" action="/logout">
                <CsrfInput token={props.csrfToken} />
                <button class="btn link small" type="submit">
                  Log out
                </button>
              </form>
            </div>
            <form
              class="everywhere"
              method="post"
              action="/logout-everywhere"
              data-confirm="Log out on every device and browser, this one included?"
            >
              <CsrfInput token={props.csrfToken} />
              <button class="btn link small" type="submit">
                Log out everywhere
              </button>
            </form>
          </div>
        </aside>
        <main class="main">
          <div class="content">
            <header class="page-head">
              <div>
                <h1>{props.title}</h1>
                {props.description ? <p>{props.description}</p> : null}
              </div>
              {props.actions}
            </header>
            <FlashBanner flash={props.flash} />
            {props.children}
          </div>
        </main>
      </div>
    </Document>
  );
}
