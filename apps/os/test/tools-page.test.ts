import { describe, expect, it } from "vitest";
import { Browser, signUp } from "./helpers.ts";
import { currentMachine, machineInStatus } from "./machines/support.ts";

describe("the Tools page without a ready machine", () => {
  it("says the machine is not ready (200, not a 500), and is in the sidebar after Agents", async () => {
    const user = await signUp("tools-not-ready");
    await machineInStatus((await currentMachine(user.instance.id)).id, "starting");
    const browser = Browser.signedIn(user.cookie);
    const res = await browser.fetch(`/instances/${user.instance.id}/tools`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-tools-state="not_ready"');
    expect(html).toContain("The machine is not ready");
    expect(html).toContain("The servers run on the machine; they show here once it is");
    expect(html).toMatch(/href="[^"]+\/tools" aria-current="page"/);
  });
});
