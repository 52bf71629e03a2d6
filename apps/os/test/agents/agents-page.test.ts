import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { parseSessionPath } from "../../src/agents/session-path.ts";
import { fetchForInstance } from "../../src/machines/fetch-for-instance.ts";
import { Browser, signUp } from "../helpers.ts";
import { currentMachine, eventually, machineInStatus } from "../machines/support.ts";
import { appendItems, assistantMessage, readyUser, userMessage, webSession } from "./support.ts";

let ready: Awaited<ReturnType<typeof readyUser>>;
let listed: string;
beforeAll(async () => {
  ready = await readyUser("agents-page");
  listed = await webSession(ready.machineFetch, [
    userMessage("Summarize <b>the</b> README please"),
    assistantMessage("It says hello."),
  ]);
}, 60_000);

describe("the Agents page", () => {
  it("is in the sidebar right after Machines", async () => {
    const html = await ready.browser.page(`${ready.base}/agents`);
    const nav = html.slice(html.indexOf('aria-label="Instance"'));
    const labels = [...nav.matchAll(/<\/svg>([^<]+)<\/a>/g)].map((m) => m[1]);
    expect(labels.slice(0, 3)).toEqual(["Machines", "Agents", "Tools"]);
    expect(nav).toMatch(/href="[^"]+\/agents" aria-current="page"/);
  });

  it("lists the machine's sessions, each linking to its live view at the URL Slack's View session uses", async () => {
    const html = await ready.browser.page(`${ready.base}/agents`);
    // The daemon's session-link.ts: `/instances/<id>/agents/${encodeURIComponent(path)}`.
    const href = `/instances/${ready.user.instance.id}/agents/${encodeURIComponent(listed)}`;
    expect(href).toContain("web%2Fses_");
    expect(html).toContain(`href="${href}"`);
    expect(html).toContain("Summarize &lt;b&gt;the&lt;/b&gt; README please");
    expect(html).not.toContain("<b>the</b>");
    expect(html).toContain('data-status="idle"');
    expect(html).toContain(`action="${ready.base}/agents"`); // the start box
  });

  it("says the machine is not ready (200, not a 500) while it is starting", async () => {
    const user = await signUp("agents-not-ready");
    await machineInStatus((await currentMachine(user.instance.id)).id, "starting");
    const browser = Browser.signedIn(user.cookie);
    const res = await browser.fetch(`/instances/${user.instance.id}/agents`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-agents-state="not_ready"');
    expect(html).toContain("The machine is not ready");
    expect(html).toContain("The instance&#39;s machine is starting, not ready yet.");
    const page = await browser.fetch(`/instances/${user.instance.id}/agents/web%2Fses_x`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("The machine is not ready");
    const stream = await browser.fetch(`/instances/${user.instance.id}/agents/web%2Fses_x/stream`, {
      headers: { accept: "application/json" },
    });
    expect(stream.status).toBe(503);
    expect(((await stream.json()) as { error: { code: string } }).error.code).toBe(
      "machine_not_ready",
    );
  });

  it("opens a session's live view with its title, Stop and the reply box", async () => {
    const html = await ready.browser.page(`${ready.base}/agents/${encodeURIComponent(listed)}`);
    expect(html).toContain("data-agent-session");
    expect(html).toContain(
      `data-stream="${ready.base}/agents/${encodeURIComponent(listed)}/stream"`,
    );
    expect(html).toContain('<script src="/assets/agents.js" defer="">');
    expect(html).toMatch(/data-testid="stop" disabled/); // idle: nothing to stop
    expect(html).toContain("data-agent-message");
  });

  it("is 404 for another instance's sessions and for sessions the machine does not have", async () => {
    const other = await signUp("agents-other");
    const browser = Browser.signedIn(other.cookie);
    for (const path of [
      `${ready.base}/agents`,
      `${ready.base}/agents/${encodeURIComponent(listed)}`,
    ]) {
      expect((await browser.fetch(path)).status, path).toBe(404);
    }
    const stream = await browser.fetch(`${ready.base}/agents/${encodeURIComponent(listed)}/stream`);
    expect(stream.status).toBe(404);
    const stop = await browser.submit(
      `${ready.base}/agents/${encodeURIComponent(listed)}/stop`,
      {},
    );
    expect(stop.status).toBe(404);
    const missing = await ready.browser.fetch(`${ready.base}/agents/web%2Fses_nosuchsession`);
    expect(missing.status).toBe(404);
  });

  it("refuses every path that is not exactly a slack/… or web/… session, as an attacker would send it", async () => {
    const attacks = [
      "..%2F..%2Fplatform%2Fenv",
      "web%2F..%2F..%2Fplatform%2Fenv",
      "web%2F%2e%2e%2Fplatform",
      "web%252F..%252Fplatform",
      "web%2Fa%2Fb",
      "web%2F",
      "web%5C..%5Cplatform",
      "platform%2Fenv",
      "slack%2FT1%2FC1",
      "slack%2FT1%2FC1%2F1.2%2F..",
      "slack%2FT1%2F..%2F1.2",
      "slack%2FT1%2FC1%2F1.2%3Foffset%3Dnow",
      "web%2Fses_1%23x",
      "ui",
      "%2e%2e",
    ];
    for (const attack of attacks) {
      const res = await ready.browser.fetch(`${ready.base}/agents/${attack}`);
      expect(res.status, attack).toBe(404);
      const stream = await ready.browser.fetch(`${ready.base}/agents/${attack}/stream`);
      expect(stream.status, `${attack}/stream`).toBe(404);
    }
    for (const raw of [
      "web/../platform/env",
      "web/a%2fb",
      "slack/T1/C1/1.2/x",
      "web/ses 1",
      "web/.x",
    ]) {
      expect(parseSessionPath(raw), raw).toBeNull();
    }
    expect(parseSessionPath("slack/T0ABC/C0DEF/1712345678.000100")).toBe(
      "slack/T0ABC/C0DEF/1712345678.000100",
    );
    // The second line of defence stays: fetchForInstance never signs a dotted path.
    const machine = fetchForInstance(env, ready.user.instance.id);
    for (const path of [
      "/agents/web/../../platform/env",
      "/agents/web/%2e%2e/%2E%2E/platform/env",
    ]) {
      await expect(machine(`${path}?offset=-1&live=sse`), path).rejects.toThrow(/dot segments/);
    }
  });

  it("refuses an offset that is not one (400) rather than forwarding it", async () => {
    const url = `${ready.base}/agents/${encodeURIComponent(listed)}/stream`;
    for (const offset of ["now%26live%3Dlong-poll", "1", "-1%26x%3D1", "..%2F"]) {
      const res = await ready.browser.fetch(`${url}?offset=${offset}`, {
        headers: { accept: "application/json" },
      });
      expect(res.status, offset).toBe(400);
    }
  });

  it("Stop on an idle session says nothing was running (form: flash; script: JSON); without CSRF 403", async () => {
    const url = `${ready.base}/agents/${encodeURIComponent(listed)}/stop`;
    const form = await ready.browser.submit(url, {});
    expect(form.status).toBe(303);
    expect(form.headers.get("location")).toBe(`${ready.base}/agents/${encodeURIComponent(listed)}`);
    const page = await ready.browser.page(form.headers.get("location") as string);
    expect(page).toContain("Nothing was running.");
    const json = await ready.browser.fetch(url, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
      body: `_csrf=${await ready.browser.csrfToken()}`,
    });
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({ stopped: false });
    expect((await ready.browser.submit(url, {}, "forged")).status).toBe(403);
  });

  it("starts a web session from the box and opens its live view; messages to Slack sessions are refused", async () => {
    const res = await ready.browser.submit(`${ready.base}/agents`, {
      text: "Hello from the dashboard",
    });
    expect(res.status).toBe(303);
    const location = res.headers.get("location") as string;
    expect(location).toMatch(new RegExp(`^${ready.base}/agents/web%2Fses_[0-9a-f]{20}$`));
    expect(await ready.browser.page(location)).toContain("data-agent-session");
    const path = decodeURIComponent(location.slice(`${ready.base}/agents/`.length));
    // The run records the message as it starts; the list shows it, titled by it.
    await eventually("the session listed with its message", async () => {
      const list = await ready.browser.page(`${ready.base}/agents`);
      return list.includes(`data-session="${path}"`) && list.includes("Hello from the dashboard")
        ? true
        : undefined;
    });

    const empty = await ready.browser.submit(`${ready.base}/agents`, { text: "   " });
    expect(empty.headers.get("location")).toBe(`${ready.base}/agents`);
    expect(await ready.browser.page(`${ready.base}/agents`)).toContain("Write a message first.");

    const slack = "slack/T0TEST/C0TEST/1712345678.000100";
    const refused = await ready.browser.fetch(
      `${ready.base}/agents/${encodeURIComponent(slack)}/messages`,
      {
        method: "POST",
        headers: {
          accept: "application/json",
          "content-type": "application/x-www-form-urlencoded",
        },
        body: `_csrf=${await ready.browser.csrfToken()}&text=hi`,
      },
    );
    expect(refused.status).toBe(409);
  });

  it("a follow-up message reaches the web session's stream", async () => {
    const path = await webSession(ready.machineFetch, [userMessage("first")]);
    await appendItems(ready.machineFetch, path, [assistantMessage("ok")]);
    const url = `${ready.base}/agents/${encodeURIComponent(path)}/messages`;
    const res = await ready.browser.fetch(url, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
      body: `_csrf=${await ready.browser.csrfToken()}&text=${encodeURIComponent("second message")}`,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toEqual({ steered: false });
    await eventually("the message in the session's stream", async () => {
      const read = await ready.machineFetch(`/agents/${path}?offset=-1`);
      const items = (await read.json()) as {
        type: string;
        message?: { content?: { text: string }[] };
      }[];
      const texts = items
        .filter((item) => item.type === "message")
        .map((item) => item.message?.content?.[0]?.text);
      return texts.includes("second message") ? true : undefined;
    });
  });
});
