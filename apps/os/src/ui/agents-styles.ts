/**
 * The Agents pages' styles, served after the dashboard's own in /assets/app.css (one
 * stylesheet, since the CSP allows no inline styles): the session list's extras and the live
 * view — message bubbles, streamed text, tool calls with their output.
 */
export const AGENTS_CSS = /* css */ `
/* Agents */
.session-title { font-weight: 560; }
.session-path { font-size: 11.5px; margin-top: 2px; word-break: break-all; }
.session-error { color: var(--danger); font-size: 12.5px; margin-top: 2px; }
.agent-actions { display: flex; gap: 8px; align-items: center; }
.agent-actions .btn:disabled { opacity: .45; cursor: not-allowed; background: var(--surface); }
.agent-session { display: flex; flex-direction: column; gap: 14px; }
.agent-bar { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; font-size: 13px; }
.agent-activity { color: var(--warn); font-family: var(--mono); font-size: 12.5px; }
.agent-activity:not(:empty)::before { content: "● "; }
.agent-machine-view { margin-left: auto; }
.agent-log { padding: 16px 20px; display: flex; flex-direction: column; gap: 10px; min-height: 120px; }
.agent-msg { border-radius: 10px; padding: 10px 14px; max-width: 92%; }
.agent-msg.user { background: var(--accent-soft); align-self: flex-end; }
.agent-msg.assistant { background: var(--bg); border: 1px solid var(--border); align-self: flex-start; }
.agent-msg.restored { opacity: .7; }
.agent-who { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin-bottom: 3px; }
.agent-text { white-space: pre-wrap; word-break: break-word; }
.agent-msg.streaming .agent-text::after { content: "▍"; color: var(--accent); }
.agent-tool { border: 1px solid var(--border); border-radius: 8px; background: var(--surface); font-size: 12.5px; }
.agent-tool summary { cursor: pointer; padding: 7px 10px; display: flex; gap: 8px; font-family: var(--mono); }
.agent-tool-name { font-weight: 600; color: var(--accent); flex: none; }
.agent-tool-name::before { content: "⚙ "; }
.agent-tool-args { color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.agent-tool.failed .agent-tool-name { color: var(--danger); }
.agent-tool-output { margin: 0; padding: 8px 10px; border-top: 1px solid var(--border); background: var(--bg); white-space: pre-wrap; word-break: break-word; max-height: 320px; overflow: auto; font-size: 12px; }
.agent-run { color: var(--muted); font-size: 12.5px; text-align: center; }
.agent-run.failed, .agent-run.interrupted, .agent-error { color: var(--danger); }
.agent-run.done { color: var(--success); }
.agent-reply { display: flex; gap: 10px; padding: 12px; align-items: flex-end; }
.agent-reply textarea { flex: 1; font-family: inherit; font-size: 14px; }
.agent-note:empty { display: none; }
`;
