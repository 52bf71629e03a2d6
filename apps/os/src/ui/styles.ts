/**
 * The dashboard's stylesheet, served as /assets/app.css (the CSP allows no inline styles).
 * Plain CSS with custom properties; the layout collapses the sidebar into a top bar on phones.
 */
export const APP_CSS = /* css */ `
:root {
  --bg: #f6f7f9; --surface: #fff; --border: #e3e5ea; --border-strong: #cfd3da;
  --text: #16181d; --muted: #646b78; --faint: #98a0ad;
  --accent: #4f46e5; --accent-hover: #4338ca; --accent-soft: #eef0ff;
  --danger: #c8283a; --danger-soft: #fdecee; --success: #147a4b; --success-soft: #e7f6ee;
  --warn: #9a6200; --warn-soft: #fff5e0;
  --radius: 10px; --shadow: 0 1px 2px rgba(16, 24, 40, .05), 0 1px 3px rgba(16, 24, 40, .06);
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, monospace;
  color-scheme: light;
}
* { box-sizing: border-box; }
html, body { margin: 0; }
body {
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--text); background: var(--bg); -webkit-font-smoothing: antialiased;
}
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
h1, h2, h3 { margin: 0; line-height: 1.25; letter-spacing: -0.01em; }
h1 { font-size: 22px; font-weight: 650; }
h2 { font-size: 15px; font-weight: 620; }
p { margin: 0; }
code, .mono { font-family: var(--mono); font-size: 12.5px; }
.empty + .card-body { padding-top: 0; }
.config-example { font-family: var(--mono); font-size: 12.5px; background: var(--bg); border: 1px solid var(--border); border-radius: 8px; padding: 12px 14px; overflow-x: auto; }
.muted { color: var(--muted); }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }

/* Brand */
.brand { display: flex; align-items: center; gap: 10px; font-weight: 650; font-size: 15px; color: var(--text); }
.brand:hover { text-decoration: none; }
.brand-mark {
  width: 28px; height: 28px; border-radius: 8px; display: grid; place-items: center; color: #fff;
  background: linear-gradient(135deg, #6366f1, #4338ca); font-weight: 700; font-size: 15px;
}

/* Auth pages */
.auth { min-height: 100vh; display: grid; place-items: center; padding: 24px; }
.auth-card { width: 100%; max-width: 400px; }
.auth-card .brand { justify-content: center; margin-bottom: 24px; }
.auth-card .card { padding: 28px; }
.auth-card h1 { font-size: 20px; margin-bottom: 4px; }
.auth-card .lede { color: var(--muted); margin-bottom: 20px; }
.auth-card .flash { margin-bottom: 16px; }
.auth-switch { text-align: center; margin-top: 16px; color: var(--muted); }

/* Shell: sidebar + main */
.shell { display: grid; grid-template-columns: 248px minmax(0, 1fr); min-height: 100vh; }
.sidebar {
  background: var(--surface); border-right: 1px solid var(--border); padding: 20px 14px;
  display: flex; flex-direction: column; gap: 20px; position: sticky; top: 0; height: 100vh;
}
.sidebar .brand { padding: 0 8px; }
.instance-chip {
  border: 1px solid var(--border); border-radius: var(--radius); padding: 10px 12px; background: var(--bg);
}
.instance-chip .label { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--faint); }
.instance-chip .name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.instance-chip .slug { font-family: var(--mono); font-size: 11.5px; color: var(--muted); }
.nav { display: flex; flex-direction: column; gap: 2px; }
.nav a {
  display: flex; align-items: center; gap: 10px; padding: 8px 10px; border-radius: 8px;
  color: var(--muted); font-weight: 520;
}
.nav a:hover { background: var(--bg); color: var(--text); text-decoration: none; }
.nav a[aria-current="page"] { background: var(--accent-soft); color: var(--accent); }
.nav svg { width: 18px; height: 18px; flex: none; }
.sidebar-foot { margin-top: auto; border-top: 1px solid var(--border); padding-top: 14px; }
.who { display: flex; align-items: center; gap: 10px; padding: 0 6px; }
.avatar {
  width: 30px; height: 30px; border-radius: 50%; background: var(--accent-soft); color: var(--accent);
  display: grid; place-items: center; font-weight: 650; flex: none; text-transform: uppercase;
}
.who .email { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--muted); font-size: 13px; }
.sidebar-foot .everywhere { padding: 6px 6px 0 46px; }
.main { padding: 32px 40px 64px; min-width: 0; }
.content { max-width: 980px; margin: 0 auto; display: flex; flex-direction: column; gap: 20px; }
.page-head { display: flex; align-items: flex-end; justify-content: space-between; gap: 16px; flex-wrap: wrap; }
.page-head p { color: var(--muted); margin-top: 4px; max-width: 60ch; }

/* Cards, tables */
.card { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: var(--shadow); }
.card-head { padding: 16px 20px; border-bottom: 1px solid var(--border); display: flex; justify-content: space-between; align-items: center; gap: 12px; }
.card-head p { color: var(--muted); font-size: 13px; margin-top: 2px; }
.card-body { padding: 20px; }
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
th, td { padding: 12px 20px; border-bottom: 1px solid var(--border); vertical-align: middle; }
tr:last-child td { border-bottom: 0; }
td.actions { text-align: right; white-space: nowrap; }
td.actions > * { display: inline-flex; vertical-align: middle; margin-left: 6px; }
tr.is-revoked td:not(.actions) { color: var(--faint); }

/* Forms */
form.stack { display: flex; flex-direction: column; gap: 14px; }
form.inline { display: flex; gap: 10px; align-items: flex-end; flex-wrap: wrap; }
form.inline .field { flex: 1 1 200px; }
form.inline .field.narrow { flex: 0 1 160px; }
.stack-fields { display: flex; flex-direction: column; gap: 16px; }
.field { display: flex; flex-direction: column; gap: 6px; }
.field label { font-weight: 560; font-size: 13px; }
.field .hint { color: var(--muted); font-size: 12.5px; }
input[type=text], input[type=email], input[type=password], input[type=url], textarea, select {
  font: inherit; width: 100%; padding: 9px 12px; border: 1px solid var(--border-strong); border-radius: 8px;
  background: #fff; color: var(--text); transition: border-color .12s, box-shadow .12s;
}
input.mono { font-family: var(--mono); font-size: 13px; }
input[readonly] { background: var(--bg); color: var(--muted); }
textarea { font-family: var(--mono); font-size: 13px; min-height: 42px; resize: vertical; }
input:focus, textarea:focus, select:focus { outline: none; border-color: var(--accent); box-shadow: 0 0 0 3px rgba(79, 70, 229, .15); }
.btn {
  font: inherit; font-weight: 560; display: inline-flex; align-items: center; justify-content: center; gap: 6px;
  padding: 9px 14px; border-radius: 8px; border: 1px solid transparent; cursor: pointer; white-space: nowrap;
  background: var(--accent); color: #fff; transition: background .12s, border-color .12s;
}
.btn:hover { background: var(--accent-hover); text-decoration: none; }
.btn.secondary { background: var(--surface); color: var(--text); border-color: var(--border-strong); }
.btn.secondary:hover { background: var(--bg); }
.btn.danger { background: var(--surface); color: var(--danger); border-color: #f0c4ca; }
.btn.danger:hover { background: var(--danger-soft); }
.btn.small { padding: 5px 10px; font-size: 13px; }
.btn.block { width: 100%; }
.btn.link { background: none; border: 0; color: var(--muted); padding: 4px 6px; }
.btn.link:hover { color: var(--text); }

/* Flash, badges, secrets */
.flash { display: flex; gap: 10px; align-items: flex-start; padding: 12px 14px; border-radius: var(--radius); border: 1px solid; }
.flash.success { background: var(--success-soft); border-color: #bfe5d0; color: var(--success); }
.flash.error { background: var(--danger-soft); border-color: #f3c3ca; color: var(--danger); }
.flash.warn { background: var(--warn-soft); border-color: #f3dfb3; color: var(--warn); }
.flash svg { width: 18px; height: 18px; flex: none; margin-top: 1px; }
.badge { display: inline-flex; align-items: center; gap: 5px; padding: 2px 8px; border-radius: 999px; font-size: 12px; font-weight: 560; background: var(--bg); color: var(--muted); border: 1px solid var(--border); }
.badge::before { content: ""; width: 6px; height: 6px; border-radius: 50%; background: currentColor; }
.badge.ok { background: var(--success-soft); color: var(--success); border-color: #bfe5d0; }
.badge.off { background: var(--bg); color: var(--faint); }
.badge.warn { background: var(--warn-soft); color: var(--warn); border-color: #f3dfb3; }
.badge.bad { background: var(--danger-soft); color: var(--danger); border-color: #f3c3ca; }
.masked { letter-spacing: .18em; color: var(--faint); font-family: var(--mono); }
.secret-value { font-family: var(--mono); font-size: 12.5px; word-break: break-all; }
.reveal-box { display: flex; gap: 8px; align-items: center; padding: 12px; border: 1px dashed var(--accent); border-radius: 8px; background: var(--accent-soft); }
.reveal-box code { flex: 1; word-break: break-all; font-size: 13px; color: var(--text); }
.machine-frame { width: 100%; height: 75vh; border: 1px solid var(--border); border-radius: var(--radius); background: #fff; }
.callout { display: flex; flex-direction: column; gap: 10px; padding: 16px 20px; border: 1px solid #c9cdfb; background: #f7f7ff; border-radius: var(--radius); }
.callout h2 { color: var(--accent); }

/* Empty states */
.empty { text-align: center; padding: 44px 24px; display: flex; flex-direction: column; align-items: center; gap: 8px; }
.empty .icon { width: 44px; height: 44px; border-radius: 12px; background: var(--accent-soft); color: var(--accent); display: grid; place-items: center; margin-bottom: 6px; }
.empty .icon svg { width: 22px; height: 22px; }
.empty p { color: var(--muted); max-width: 46ch; }
details.edit summary { list-style: none; cursor: pointer; }
details.edit summary::-webkit-details-marker { display: none; }
details.edit[open] { display: block; margin-top: 10px; }
.edit-row td { background: var(--bg); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 8px 20px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }

/* Machine steps */
ol.steps { list-style: none; margin: 18px 0 0; padding: 0; display: grid; gap: 8px; }
ol.steps .step { display: flex; gap: 10px; align-items: baseline; color: var(--faint); }
ol.steps .step::before { content: ""; flex: none; width: 10px; height: 10px; border-radius: 50%; border: 2px solid currentColor; transform: translateY(1px); }
ol.steps .step.done { color: var(--success); }
ol.steps .step.done::before { background: currentColor; }
ol.steps .step.active { color: var(--warn); font-weight: 560; }
ol.steps .step .step-label { color: var(--text); }
ol.steps .step.todo .step-label { color: var(--faint); }
ol.steps .step-time { font-size: 13px; font-weight: 400; }
#machine-panel { display: flex; flex-direction: column; gap: 20px; }
.sidebar-action { padding: 0 6px 12px; }
p.machine-env { margin: 0 0 16px; color: var(--muted); font-size: 13px; display: flex; gap: 8px; align-items: center; }
.sidebar-action .btn { width: 100%; }

/* Usage */
meter { width: 120px; height: 10px; vertical-align: middle; }
meter.usage-meter { width: 100%; height: 14px; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.is-empty td { color: var(--faint); }

@media (max-width: 820px) {
  .shell { grid-template-columns: minmax(0, 1fr); grid-template-rows: auto 1fr; }
  .sidebar { position: static; height: auto; flex-direction: row; flex-wrap: wrap; align-items: center; gap: 4px 14px; padding: 12px 16px 6px; border-right: 0; border-bottom: 1px solid var(--border); }
  .instance-chip { display: none; }
  .nav { flex-direction: row; order: 3; width: 100%; overflow-x: auto; }
  .nav a { white-space: nowrap; }
  .sidebar-foot { margin: 0 0 0 auto; border: 0; padding: 0; }
  .who .email { display: none; }
  .sidebar-foot .everywhere { display: none; }
  .sidebar-action { display: none; }
  .main { padding: 20px 16px 48px; }
  th, td { padding: 10px 12px; }
  .hide-sm { display: none; }
}
`;
