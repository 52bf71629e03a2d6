/**
 * The `/ui` page's script: tails one session's stream over SSE and renders each item as it
 * arrives. Plain browser JavaScript in a string (the page is one server-rendered response);
 * every value reaches the DOM through `textContent`, never as HTML. SSE connections end
 * (the server closes them after a minute, or on shutdown): it reconnects from the last offset.
 */
export const UI_SCRIPT = `
(() => {
  const root = document.getElementById("session");
  if (!root) return;
  const streamUrl = root.dataset.stream;
  const log = document.getElementById("items");
  const state = document.getElementById("live");
  let offset = "-1";
  let textEl = null;
  let closed = false;
  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const add = (node) => {
    const stick = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
    log.appendChild(node);
    if (stick) window.scrollTo(0, document.body.scrollHeight);
  };
  const textOf = (m) => typeof m.content === "string" ? m.content
    : (m.content || []).filter((p) => p.type === "text").map((p) => p.text).join("");
  const render = (item) => {
    switch (item.type) {
      case "slack_event": return;
      case "run_started":
        add(el("div", "run", "run started · " + item.model + " · up to " + item.maxToolCalls + " tool calls"));
        return;
      case "text_delta":
        if (!textEl) { textEl = el("div", "assistant streaming", ""); add(textEl); }
        textEl.textContent += item.text;
        return;
      case "message": {
        const m = item.message;
        if (m.role === "user") add(el("div", "user" + (item.restored ? " restored" : ""), textOf(m)));
        if (m.role === "assistant") {
          const text = textOf(m);
          if (textEl) { textEl.textContent = text; textEl.classList.remove("streaming"); }
          else if (text) add(el("div", "assistant" + (item.restored ? " restored" : ""), text));
          textEl = null;
          if (m.stopReason === "error" && m.errorMessage) add(el("div", "error", m.errorMessage));
        }
        return;
      }
      case "tool_call": {
        const d = el("details", "tool");
        d.id = "tool-" + item.toolCallId;
        d.appendChild(el("summary", "", "⚙ " + item.name + " " + JSON.stringify(item.args)));
        add(d);
        return;
      }
      case "tool_result": {
        const d = document.getElementById("tool-" + item.toolCallId) || el("details", "tool");
        if (!d.parentNode) add(d);
        if (item.isError) d.classList.add("failed");
        d.appendChild(el("pre", "", item.output));
        return;
      }
      case "status": return;
      case "usage":
        add(el("div", "meta", item.input + " in / " + item.output + " out tokens"));
        return;
      case "history_restored":
        add(el("div", "meta", item.messages + " earlier messages restored from Slack"));
        return;
      case "mcp_servers":
        for (const s of item.servers) {
          add(el("div", s.state === "ready" ? "meta" : "error", "MCP " + s.name + ": " +
            (s.state === "ready" ? s.tools.length + " tools" : "unavailable — " + (s.error || s.state))));
        }
        return;
      case "run_finished":
        add(el("div", "run " + item.outcome, item.outcome + (item.error ? ": " + item.error.message : "") +
          " · " + item.toolCalls + " tool calls · " + (item.durationMs / 1000).toFixed(1) + " s"));
        return;
      default: return;
    }
  };
  const connect = () => {
    state.textContent = "connecting…";
    const source = new EventSource(streamUrl + "?offset=" + encodeURIComponent(offset) + "&live=sse");
    source.addEventListener("data", (event) => {
      try { for (const item of JSON.parse(event.data)) render(item); } catch (e) { console.error(e); }
    });
    source.addEventListener("control", (event) => {
      const control = JSON.parse(event.data);
      if (control.streamNextOffset) offset = control.streamNextOffset;
      state.textContent = control.upToDate ? "live" : "catching up…";
      if (control.streamClosed) { closed = true; state.textContent = "ended"; source.close(); }
    });
    source.onerror = () => {
      source.close();
      if (closed) return;
      state.textContent = "reconnecting…";
      setTimeout(connect, 1000);
    };
  };
  connect();
  const stop = document.getElementById("stop");
  if (stop) stop.addEventListener("click", async () => {
    stop.disabled = true;
    const res = await fetch(stop.dataset.url, { method: "POST" });
    stop.textContent = res.ok ? ((await res.json()).stopped ? "stopping…" : "nothing running") : "stop failed";
  });
})();
`;
