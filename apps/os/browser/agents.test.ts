/**
 * The Agents page in a real browser, against the whole product (real worker, local-sandbox,
 * daemons) with the fake Slack and the fake OpenAI scripted per request: a new person starts a
 * session from the dashboard and watches the answer stream in, follows up, sees a Slack thread's
 * session with its tool call and result, stops a running agent, and opens the machine's own
 * view. Steps share one browser session, so they run in order.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentWorld, CHANNEL, reaction, say, startAgentWorld } from "../e2e/agent-support.ts";
import { afterToolResult, lastUserText } from "../test-support/fake-openai-script.ts";
import { launchChromium, screenshot } from "./browser.ts";

const email = `browser-agents-${Date.now().toString(36)}@example.com`;
const password = "a long browser password";
/** The streamed answer: 10 pieces, 350 ms apart — about 3 s from first to last. */
const STREAMED = "One two three four five six seven eight nine ten, and that is the whole answer.";

let world: AgentWorld;
/** How long the daemons' SSE connections last here (production: 60 s). */
const SSE_MAX_MS = 5_000;
let browser: Browser;
let page: Page;
let instanceBase: string;
let team: string;

const url = (path: string) => new URL(path, world.platform.worker.url).href;
const statusBadge = () => page.getByTestId("session-status");

beforeAll(async () => {
  [world, browser] = await Promise.all([
    // The daemons end each SSE connection after 5 s instead of a minute, so the reconnect test
    // sees the page reconnect without waiting a minute.
    startAgentWorld({ daemonEnv: { ITERATE_SSE_MAX_MS: String(SSE_MAX_MS) } }),
    launchChromium(),
  ]);
  world.openai.respond((request) => {
    const text = lastUserText(request);
    if (text.includes("STREAM")) return { text: STREAMED, chunks: 10, chunkDelayMs: 350 };
    if (text.includes("HANG")) return { hang: true };
    const write = /WRITE (\S+) (\S+)/.exec(text);
    if (write) {
      return afterToolResult(request)
        ? { text: `Wrote ${write[1]}.` }
        : { toolCalls: [{ name: "write_file", args: { path: write[1], content: write[2] } }] };
    }
    return { text: `You said: ${text.replace(/<@[A-Z0-9]+>:?\s*/g, "")}` };
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

describe("the Agents page in Chromium", () => {
  it("is in the sidebar after Machines and offers to start a session once the machine is ready", async () => {
    await page.goto(url("/signup"));
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/instances\/ins_[0-9a-z]{20}\/machines$/);
    instanceBase = new URL(page.url()).pathname.replace(/\/machines$/, "");
    await page.locator('#machine-panel .badge[data-status="ready"]').waitFor({ timeout: 30_000 });
    const links = await page
      .getByRole("navigation", { name: "Instance" })
      .getByRole("link")
      .allTextContents();
    expect(links.slice(0, 2).map((l) => l.trim())).toEqual(["Machines", "Agents"]);
    await page
      .getByRole("navigation", { name: "Instance" })
      .getByRole("link", { name: "Agents" })
      .click();
    await page.waitForURL(new RegExp(`${instanceBase}/agents$`));
    await expect(page.getByText("No sessions yet").isVisible()).resolves.toBe(true);
    await screenshot(page, "20-agents-empty");
  });

  it("starts a web session and shows the answer arriving live, before it is finished", async () => {
    await page.getByLabel("Message").fill("STREAM me a long answer please");
    await page.getByRole("button", { name: "Start session" }).click();
    await page.waitForURL(new RegExp(`${instanceBase}/agents/web%2Fses_[0-9a-f]{20}$`));
    const streaming = page.locator(".agent-msg.assistant.streaming .agent-text");
    await streaming.waitFor({ timeout: 15_000 });
    await expect(statusBadge().getAttribute("data-status")).resolves.toBe("running");
    const partial = (await streaming.textContent()) ?? "";
    expect(partial.length).toBeGreaterThan(0);
    expect(STREAMED.startsWith(partial)).toBe(true);
    expect(partial).not.toBe(STREAMED);
    await screenshot(page, "21-agents-web-streaming");
    const done = page.locator(".agent-msg.assistant:not(.streaming) .agent-text", {
      hasText: STREAMED,
    });
    await done.waitFor({ timeout: 15_000 });
    await page.locator('.agent-run[data-outcome="done"]').waitFor();
    await expect(statusBadge().getAttribute("data-status")).resolves.toBe("done");
    await expect(page.getByTestId("stop").isDisabled()).resolves.toBe(true);
    await expect(page.getByTestId("live-state").textContent()).resolves.toBe("live");
    // The session's first message is the user's, once, above the answer.
    await expect(page.locator('.agent-msg[data-role="user"]').allTextContents()).resolves.toEqual([
      "UserSTREAM me a long answer please",
    ]);
    await screenshot(page, "22-agents-web-answered");
  });

  it("a follow-up typed on the page is answered on the same live view, without a reload", async () => {
    const before = page.url();
    await page.getByLabel("Message").fill("thanks, and now a short one");
    await page.getByRole("button", { name: "Send" }).click();
    await page
      .locator(".agent-msg.assistant .agent-text", {
        hasText: "You said: thanks, and now a short one",
      })
      .waitFor({ timeout: 15_000 });
    expect(page.url()).toBe(before);
    await expect(page.locator('.agent-run[data-outcome="done"]').count()).resolves.toBe(2);
  });

  it("reconnects from the last offset when the daemon ends the connection (after ITERATE_SSE_MAX_MS): nothing shown twice, nothing missed", async () => {
    const streams: string[] = [];
    const onRequest = (request: { url(): string }) => {
      if (request.url().includes("/stream?offset=")) streams.push(request.url());
    };
    page.on("request", onRequest);
    const users = await page.locator('.agent-msg[data-role="user"]').count();
    const answers = await page.locator('.agent-msg[data-role="assistant"]').count();
    // The daemon ends every SSE connection after SSE_MAX_MS; the page opens the next one itself.
    for (let i = 0; streams.length === 0; i++) {
      if (i > 750) throw new Error("the page never reconnected");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    page.off("request", onRequest);
    const offset = new URL(streams[0] as string).searchParams.get("offset");
    expect(offset).toMatch(/^\d{16}_\d{16}$/); // from where it was, not from the start
    await page.locator('[data-testid="live-state"][data-state="live"]').waitFor();
    await expect(page.locator('.agent-msg[data-role="user"]').count()).resolves.toBe(users);
    await expect(page.locator('.agent-msg[data-role="assistant"]').count()).resolves.toBe(answers);
    // And the new connection is live: what happens next shows, once.
    await page.getByLabel("Message").fill("still there?");
    await page.getByRole("button", { name: "Send" }).click();
    await page
      .locator(".agent-msg.assistant .agent-text", { hasText: "You said: still there?" })
      .waitFor({ timeout: 15_000 });
    await expect(page.locator('.agent-msg[data-role="user"]').count()).resolves.toBe(users + 1);
    await expect(page.locator('.agent-msg[data-role="assistant"]').count()).resolves.toBe(
      answers + 1,
    );
  }, 120_000);

  it("shows a Slack thread's session with its tool call and result", async () => {
    await page.goto(url(`${instanceBase}/slack`));
    await page.getByRole("link", { name: "Add to Slack" }).click();
    await page.getByTestId("slack-team").waitFor();
    team = [...world.slack.teams.keys()][0] as string;
    const bot = world.slack.teams.get(team)?.botUserId as string;
    const { message } = await say(world, team, `<@${bot}> WRITE notes.txt written-by-the-agent`);
    await reaction(world, team, message.ts, "white_check_mark");

    await page.goto(url(`${instanceBase}/agents`));
    const path = `slack/${team}/${CHANNEL}/${message.ts}`;
    const row = page.locator(`tr[data-session="${path}"]`);
    await expect(row.textContent()).resolves.toContain("Slack");
    await screenshot(page, "23-agents-list");
    await row.getByRole("link").click();
    await page.waitForURL(
      new RegExp(`${instanceBase}/agents/${encodeURIComponent(path).replace(/\./g, "\\.")}$`),
    );
    const tool = page.locator('details.agent-tool[data-tool="write_file"]');
    await tool.waitFor();
    await expect(tool.locator(".agent-tool-args").textContent()).resolves.toContain(
      '"path":"notes.txt"',
    );
    await tool.locator("summary").click();
    await expect(tool.getByTestId("tool-result").textContent()).resolves.toMatch(
      /created notes\.txt/,
    );
    await page.locator(".agent-text", { hasText: "Wrote notes.txt." }).waitFor();
    await expect(
      page.getByText("Reply in the Slack thread to continue this session.").isVisible(),
    ).resolves.toBe(true);
    await screenshot(page, "24-agents-slack-session");
  });

  it("Stop aborts a running agent whose model is still streaming: the run ends stopped", async () => {
    await page.goto(url(`${instanceBase}/agents`));
    await page.getByLabel("Message").fill("HANG on this one");
    await page.getByRole("button", { name: "Start session" }).click();
    await page.waitForURL(new RegExp(`${instanceBase}/agents/web%2F`));
    await page
      .locator('[data-testid="session-status"][data-status="running"]')
      .waitFor({ timeout: 15_000 });
    const hung = await (async () => {
      for (let i = 0; i < 100; i++) {
        const found = world.openai.requests.find((r) =>
          lastUserText(r).includes("HANG on this one"),
        );
        if (found) return found;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error("the model was never asked");
    })();
    expect(hung.finishedAt).toBeNull(); // the model is mid-answer when Stop is pressed
    await screenshot(page, "25-agents-running");
    await page.getByTestId("stop").click();
    await page.locator('.agent-run[data-outcome="stopped"]').waitFor({ timeout: 15_000 });
    await expect(statusBadge().getAttribute("data-status")).resolves.toBe("stopped");
    await expect(
      page.locator('.agent-run[data-outcome="stopped"]').textContent(),
    ).resolves.toContain("Stopped from the dashboard.");
    await screenshot(page, "26-agents-stopped");
  });

  it("opens the machine's own view through the platform, sandboxed, tailing the session live", async () => {
    const sessionPage = page.url();
    await page.getByRole("link", { name: "Machine's own view" }).click();
    await page.waitForURL(/\/machine-ui\?session=web%2F/);
    await page.locator("[data-machine-ui-notice]").waitFor();
    // Framed, never the top-level page: the machine wrote it.
    const frame = page.frameLocator("iframe[data-machine-ui]");
    await frame.getByText("HANG on this one").first().waitFor();
    await frame.locator("#live", { hasText: "live" }).waitFor({ timeout: 10_000 });
    // It runs in an opaque origin: the platform's cookies are out of its reach.
    const machineFrame = page.frames().find((f) => f.url().includes("/ui?session="));
    await expect(machineFrame?.evaluate(() => window.origin)).resolves.toBe("null");
    // It cannot take the dashboard's place: the browser refuses the navigation outright.
    const refused = await machineFrame?.evaluate(() => {
      try {
        (window.top as Window).location.href = "https://evil.example/";
        return "navigated";
      } catch (error) {
        return (error as Error).name;
      }
    });
    expect(refused).toBe("SecurityError");
    expect(page.url()).toMatch(/\/machine-ui\?session=web%2F/);
    await screenshot(page, "27-machine-ui");
    await page.goto(sessionPage);
  });
});
