import type { SessionSummary } from "@iterate/contract";
import { UI_SCRIPT } from "./ui-script.ts";

/** What the page shows: the list, and the session being tailed (if any). */
export interface UiPageInput {
  sessions: SessionSummary[];
  selected: SessionSummary | null;
  /** Prefix of every URL on the page: `""` (relative to `/ui`) or a proxy's path ending in `/`. */
  base: string;
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;display:flex;min-height:100vh;color:#1d1d1f}
nav{width:320px;border-right:1px solid #ddd;overflow:auto;background:#fafafa}
nav a{display:block;padding:8px 12px;border-bottom:1px solid #eee;color:inherit;text-decoration:none}
nav a.on{background:#e8f0fe}
nav small{color:#666;display:block}
main{flex:1;padding:16px 24px;max-width:900px}
.status{font-size:11px;padding:1px 6px;border-radius:8px;background:#eee}
.status.running{background:#fff3c4}.status.done{background:#d9f5dd}.status.failed,.status.interrupted{background:#fde2e1}
.user,.assistant{white-space:pre-wrap;padding:8px 12px;margin:8px 0;border-radius:8px}
.user{background:#e8f0fe}.assistant{background:#f4f4f5}.restored{opacity:.7}
.streaming::after{content:"▍"}
.tool{margin:4px 0;font:12px ui-monospace,monospace}.tool.failed summary{color:#b3261e}
.tool pre{white-space:pre-wrap;background:#f7f7f7;padding:8px;max-height:320px;overflow:auto}
.run,.meta{color:#666;font-size:12px;margin:6px 0}.run.failed,.run.interrupted,.error{color:#b3261e}
`;

/**
 * The daemon's `/ui`: every session (newest first, with status) and, when one is chosen, its
 * stream tailed live. Every URL on it is relative to `/ui` (or starts with `base`), so it works
 * as served and through the platform's proxy; all text is escaped.
 *
 * @example c.html(renderUiPage({ sessions, selected: null, base: "" }))
 */
export function renderUiPage(input: UiPageInput): string {
  const { base } = input;
  const uiUrl = (path: string) =>
    `${base}ui?session=${encodeURIComponent(path)}${base ? `&base=${encodeURIComponent(base)}` : ""}`;
  const rows = input.sessions
    .map((s) => {
      const on = input.selected?.path === s.path ? ' class="on"' : "";
      return `<a href="${escapeHtml(uiUrl(s.path))}"${on}><span class="status ${escapeHtml(s.status)}">${escapeHtml(s.status)}</span> ${escapeHtml(s.title || s.path)}<small>${escapeHtml(s.source)} · ${escapeHtml(s.updatedAt)}</small></a>`;
    })
    .join("");
  const main = input.selected ? sessionView(input.selected, base) : "<p>Choose a session.</p>";
  return `<!doctype html><html><head><meta charset="utf-8"><title>iterate · sessions</title><style>${STYLE}</style></head>
<body><nav>${rows || '<p style="padding:12px">No sessions yet.</p>'}</nav><main>${main}</main>
<script>${UI_SCRIPT}</script></body></html>`;
}

function sessionView(s: SessionSummary, base: string): string {
  const stream = `${base}agents/${s.path.split("/").map(encodeURIComponent).join("/")}`;
  const stop = `${base}agents-api/sessions/${s.path.split("/").map(encodeURIComponent).join("/")}/stop`;
  return `<div id="session" data-stream="${escapeHtml(stream)}">
<h2>${escapeHtml(s.title || s.path)}</h2>
<p><span class="status ${escapeHtml(s.status)}">${escapeHtml(s.status)}</span> <code>${escapeHtml(s.path)}</code> · <span id="live"></span>
${s.status === "running" ? ` <button id="stop" data-url="${escapeHtml(stop)}">Stop</button>` : ""}</p>
<div id="items"></div></div>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
