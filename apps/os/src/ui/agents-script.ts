/**
 * The live view's script, served as /assets/agents.js (the CSP forbids inline scripts) and
 * loaded only by the session page (`[data-agent-session]`).
 *
 * - Tails the session over SSE from the platform's relay (`data-stream`): `data` events carry a
 *   JSON array of session items (contract agent-events.ts), `control` events the offset to
 *   resume from. When the connection ends (the daemon closes SSE after a minute; a rebuild; the
 *   network) it reconnects from the last offset, so nothing is shown twice or missed.
 * - Renders messages, streamed text, tool calls with their arguments and results, runs and
 *   errors — every value through `textContent`, never as HTML (the agent's output is untrusted).
 * - Keeps the status badge and the Stop button in step with the runs it sees.
 * - Sends Stop and follow-up messages with `fetch` (the forms' CSRF token included), so the
 *   live view keeps streaming; without the script both forms still post and redirect back.
 */
export const AGENTS_JS = /* js */ `
(() => {
  const root = document.querySelector("[data-agent-session]");
  if (!root) return;
  const streamUrl = root.dataset.stream;
  const log = root.querySelector("[data-agent-log]");
  const live = root.querySelector("[data-agent-live]");
  const activity = root.querySelector("[data-agent-activity]");
  const note = root.querySelector("[data-agent-note]");
  const badge = document.querySelector('[data-testid="session-status"]');
  const stopForm = document.querySelector("form[data-agent-stop]");
  const stopButton = stopForm ? stopForm.querySelector("button") : null;
  const STATUS = {
    idle: ["Idle", "off"], running: ["Running", "warn"], done: ["Done", "ok"],
    failed: ["Failed", "bad"], stopped: ["Stopped", "off"], interrupted: ["Interrupted", "bad"],
  };
  let offset = "-1";
  let textEl = null;
  let closed = false;
  let retryMs = 500;
  let items = 0;

  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const add = (node) => {
    const stick = window.innerHeight + window.scrollY >= document.body.scrollHeight - 60;
    const empty = log.querySelector("[data-agent-empty]");
    if (empty) empty.remove();
    log.appendChild(node);
    items++;
    if (stick) window.scrollTo(0, document.body.scrollHeight);
  };
  const setStatus = (status) => {
    const known = STATUS[status];
    if (!badge || !known) return;
    badge.dataset.status = status;
    badge.className = "badge " + known[1];
    badge.textContent = known[0];
    if (stopButton) stopButton.disabled = status !== "running";
    if (status !== "running") activity.textContent = "";
  };
  const textOf = (m) => typeof m.content === "string" ? m.content
    : (m.content || []).filter((p) => p && p.type === "text").map((p) => p.text).join("");
  // Slack's mention markup (<@U123>) as people read it.
  const readable = (text) => text.replace(/<@([A-Z0-9]+)>/g, "@$1");
  const bubble = (role, text, extra) => {
    const node = el("div", "agent-msg " + role + (extra ? " " + extra : ""));
    node.dataset.role = role;
    node.appendChild(el("div", "agent-who", role === "user" ? "User" : "Agent"));
    const body = el("div", "agent-text", text);
    node.appendChild(body);
    add(node);
    return body;
  };

  const render = (item) => {
    switch (item.type) {
      case "run_started":
        setStatus("running");
        add(el("div", "agent-run", "Run started · " + item.model));
        return;
      case "text_delta":
        if (!textEl) { textEl = bubble("assistant", "", "streaming"); }
        textEl.textContent += item.text;
        return;
      case "message": {
        const m = item.message || {};
        if (m.role === "user") bubble("user", readable(textOf(m)), item.restored ? "restored" : "");
        if (m.role === "assistant") {
          const text = textOf(m);
          if (textEl) {
            textEl.textContent = text;
            textEl.parentNode.classList.remove("streaming");
          } else if (text) {
            bubble("assistant", text, item.restored ? "restored" : "");
          }
          textEl = null;
          if (m.stopReason === "error" && m.errorMessage) add(el("div", "agent-error", m.errorMessage));
        }
        return;
      }
      case "tool_call": {
        const d = el("details", "agent-tool");
        d.id = "tool-" + item.toolCallId;
        d.dataset.tool = item.name;
        d.dataset.testid = "tool-call";
        const summary = el("summary", "");
        summary.appendChild(el("span", "agent-tool-name", item.name));
        summary.appendChild(el("span", "agent-tool-args", JSON.stringify(item.args)));
        d.appendChild(summary);
        add(d);
        return;
      }
      case "tool_result": {
        let d = document.getElementById("tool-" + item.toolCallId);
        if (!d) { d = el("details", "agent-tool"); add(d); }
        d.classList.add(item.isError ? "failed" : "ok");
        const out = el("pre", "agent-tool-output", item.output);
        out.dataset.testid = "tool-result";
        d.appendChild(out);
        return;
      }
      case "status":
        activity.textContent = item.text;
        return;
      case "history_restored":
        add(el("div", "agent-run", item.messages + " earlier messages restored from Slack"));
        return;
      case "mcp_servers":
        for (const s of item.servers || []) {
          const node = el("div", "agent-run" + (s.state === "ready" ? "" : " failed"),
            "MCP " + s.name + ": " + (s.state === "ready" ? s.tools.length + " tools" : "unavailable — " + (s.error || s.state)));
          node.dataset.mcpServer = s.name;
          add(node);
        }
        return;
      case "run_finished": {
        setStatus(item.outcome);
        note.textContent = "";
        const words = { done: "Done", failed: "Failed", stopped: "Stopped", interrupted: "Interrupted" };
        const line = (words[item.outcome] || item.outcome) + (item.error ? ": " + item.error.message : "") +
          " · " + item.toolCalls + " tool call" + (item.toolCalls === 1 ? "" : "s") +
          " · " + (item.durationMs / 1000).toFixed(1) + " s";
        const node = el("div", "agent-run " + item.outcome, line);
        node.dataset.outcome = item.outcome;
        add(node);
        return;
      }
      default:
        return; // slack_event, slack_post, usage and anything newer: not shown
    }
  };

  const connect = () => {
    live.textContent = offset === "-1" ? "connecting…" : "reconnecting…";
    const source = new EventSource(streamUrl + "?offset=" + encodeURIComponent(offset));
    source.addEventListener("data", (event) => {
      try { for (const item of JSON.parse(event.data)) render(item); } catch (e) { console.error(e); }
    });
    source.addEventListener("control", (event) => {
      const control = JSON.parse(event.data);
      retryMs = 500;
      if (control.streamNextOffset) offset = control.streamNextOffset;
      live.textContent = control.upToDate ? "live" : "catching up…";
      live.dataset.state = control.upToDate ? "live" : "catching-up";
      if (control.upToDate && items === 0) {
        const empty = log.querySelector("[data-agent-empty]");
        if (empty) empty.textContent = "Nothing in this session yet.";
      }
      if (control.streamClosed) { closed = true; live.textContent = "ended"; source.close(); }
    });
    source.onerror = () => {
      source.close();
      if (closed) return;
      live.textContent = "reconnecting…";
      live.dataset.state = "reconnecting";
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  };
  connect();

  const send = async (form, done) => {
    const button = form.querySelector("button");
    if (button) button.disabled = true;
    try {
      const res = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { accept: "application/json" },
        credentials: "same-origin",
      });
      const body = await res.json().catch(() => null);
      if (!res.ok) throw new Error(body && body.error ? body.error.message : "The request failed (" + res.status + ").");
      note.textContent = done(body);
    } catch (error) {
      note.textContent = error instanceof Error ? error.message : String(error);
      if (button) button.disabled = false;
      return false;
    }
    return true;
  };
  if (stopForm) stopForm.addEventListener("submit", (event) => {
    event.preventDefault();
    send(stopForm, (body) => body.stopped ? "Stopping the agent…" : "Nothing was running.");
  });
  const messageForm = root.querySelector("form[data-agent-message]");
  if (messageForm) messageForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const ok = await send(messageForm, (body) => body.steered
      ? "Sent: the agent reads it after its current step."
      : "Sent.");
    if (ok) {
      messageForm.reset();
      const button = messageForm.querySelector("button");
      if (button) button.disabled = false;
    }
  });
})();
`;
