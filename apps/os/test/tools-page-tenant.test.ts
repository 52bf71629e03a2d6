import { describe, expect, it } from "vitest";
import { Browser, createToken, signUp } from "./helpers.ts";
import { readyInstance } from "./machines/support.ts";

// The Tools page reads the machine's MCP servers and its Start servers form starts them (GET
// /platform/config?connect=true): only a member of the instance, signed in with a session
// cookie, may see the one or post the other.

describe("the Tools page of another instance", () => {
  it("is 404 for a signed-in non-member, for an unknown id, and never names the instance", async () => {
    const { user: owner } = await readyInstance("tools-owner");
    const other = await signUp("tools-other");
    const browser = Browser.signedIn(other.cookie);
    for (const id of [owner.instance.id, "ins_doesnotexist", owner.instance.slug]) {
      const res = await browser.fetch(`/instances/${id}/tools`);
      expect(res.status, id).toBe(404);
      const html = await res.text();
      expect(html, id).not.toContain(owner.instance.name);
      expect(html, id).not.toContain("data-tools-state");
    }
    // The owner's own page answers (the machine is ready), so the 404 above is the tenant check.
    const own = await Browser.signedIn(owner.cookie).fetch(`/instances/${owner.instance.id}/tools`);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain("data-tools-state");
  }, 60_000);

  it("refuses a non-member's post (404) and one without the session's CSRF token (403); the owner's goes through", async () => {
    const { user: owner } = await readyInstance("tools-owner-3");
    const other = await signUp("tools-other-3");
    const intruder = Browser.signedIn(other.cookie);
    await intruder.page(`/instances/${other.instance.id}/tools`);
    const foreign = await intruder.submit(`/instances/${owner.instance.id}/tools/start`, {});
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get("location")).toBeNull();
    // The owner's own session, but the intruder's token (as a forged cross-site form would carry).
    // (That a refused post starts no server is shown end to end in e2e/mcp-tools.test.ts.)
    const forged = await Browser.signedIn(owner.cookie).submit(
      `/instances/${owner.instance.id}/tools/start`,
      {},
      await intruder.csrfToken(),
    );
    expect(forged.status).toBe(403);
    // With its own token the owner's post goes through and comes back to the page.
    const started = await Browser.signedIn(owner.cookie).submit(
      `/instances/${owner.instance.id}/tools/start`,
      {},
    );
    expect(started.status).toBe(303);
    expect(started.headers.get("location")).toBe(`/instances/${owner.instance.id}/tools`);
  }, 60_000);

  it("is not served without a session, nor to another instance's access token", async () => {
    const { user: owner } = await readyInstance("tools-owner-2");
    const other = await signUp("tools-other-2");
    const token = await createToken(other);
    const page = `/instances/${owner.instance.id}/tools`;
    // The dashboard takes sessions only: both are sent to log in, and shown nothing.
    const login = `/login?next=${encodeURIComponent(page)}`;
    const anonymous = await new Browser().fetch(page);
    expect([anonymous.status, anonymous.headers.get("location")]).toEqual([303, login]);
    expect(await anonymous.text()).not.toContain("data-tools-state");
    const bearer = await new Browser().fetch(page, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect([bearer.status, bearer.headers.get("location")]).toEqual([303, login]);
    expect(await bearer.text()).not.toContain("data-tools-state");
  }, 60_000);
});
