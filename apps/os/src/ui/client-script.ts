/**
 * The dashboard's only JavaScript, served as /assets/app.js (the CSP forbids inline scripts).
 * Progressive enhancement: every page works without it except "reveal" and "copy".
 * - `form[data-confirm]` asks before submitting (revoke, delete).
 * - `button[data-reveal]` fetches one env var value from the JSON API (same-origin, session
 *   cookie) and shows it in place, so values are never part of the HTML.
 * - `button[data-copy]` copies the text of the element it names.
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
`;
