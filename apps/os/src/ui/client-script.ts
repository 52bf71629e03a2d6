/**
 * The dashboard's only JavaScript, served as /assets/app.js (the CSP forbids inline scripts).
 * Progressive enhancement: every page works without it except "reveal" and "copy".
 * - `form[data-confirm]` asks before submitting (revoke, delete).
 * - `button[data-reveal]` fetches one env var value from the JSON API (same-origin, session
 *   cookie) and shows it in place, so values are never part of the HTML.
 * - `button[data-copy]` copies the text of the element it names.
 * - `[data-live]` re-fetches itself from its URL every `data-interval` ms while the page is
 *   visible (the Machines panel), and `[data-elapsed-since]` counts up each second.
 */
export const APP_JS = /* js */ `
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement && form.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

document.addEventListener("click", async (event) => {
  const button = event.target instanceof Element && event.target.closest("button[data-reveal], button[data-copy]");
  if (!button) return;
  if (button.dataset.copy) {
    const source = document.getElementById(button.dataset.copy);
    if (source && navigator.clipboard) {
      await navigator.clipboard.writeText(source.textContent || "");
      const label = button.textContent;
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = label; }, 1500);
    }
    return;
  }
  const target = document.getElementById(button.dataset.target || "");
  if (!target) return;
  if (button.dataset.shown === "true") {
    target.textContent = "••••••••";
    target.className = "masked";
    button.dataset.shown = "false";
    button.textContent = "Reveal";
    return;
  }
  button.disabled = true;
  try {
    const res = await fetch(button.dataset.reveal, { headers: { accept: "application/json" }, credentials: "same-origin" });
    const body = await res.json();
    if (!res.ok) throw new Error(body && body.error ? body.error.message : "Could not reveal the value.");
    target.textContent = body.envVar.value;
    target.className = "secret-value";
    button.dataset.shown = "true";
    button.textContent = "Hide";
  } catch (error) {
    window.alert(error instanceof Error ? error.message : String(error));
  } finally {
    button.disabled = false;
  }
});


function tickElapsed() {
  for (const el of document.querySelectorAll("[data-elapsed-since]")) {
    const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(el.dataset.elapsedSince)) / 1000));
    el.textContent = seconds < 60 ? seconds + "s" : Math.floor(seconds / 60) + "m " + (seconds % 60) + "s";
  }
}
tickElapsed();
setInterval(tickElapsed, 1000);

async function refreshLive() {
  const panel = document.querySelector("[data-live]");
  if (!panel) return;
  let delay = Number(panel.dataset.interval) || 2000;
  if (document.visibilityState === "visible") {
    try {
      const res = await fetch(panel.dataset.live, { credentials: "same-origin", headers: { accept: "text/html" } });
      if (res.ok) {
        const next = document.createElement("div");
        next.innerHTML = await res.text();
        const fresh = next.firstElementChild;
        if (fresh) {
          panel.replaceWith(fresh);
          delay = Number(fresh.dataset.interval) || delay;
          tickElapsed();
        }
      }
    } catch {
      delay = 5000; // offline or restarting: try again a little later
    }
  }
  setTimeout(refreshLive, delay);
}
if (document.querySelector("[data-live]")) {
  setTimeout(refreshLive, Number(document.querySelector("[data-live]").dataset.interval) || 2000);
}
`;
