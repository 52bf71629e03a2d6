/**
 * The Slack page in a real browser, against the real worker and a fake Slack (a real server on
 * 127.0.0.1 whose authorize page redirects straight back with a code): a new person opens Slack
 * in the sidebar, clicks Add to Slack, lands back connected, then disconnects after a confirm —
 * and the bot token is nowhere in the D1 files on disk. Steps share one browser session.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_FAKE_TEAM, type FakeSlack, startFakeSlack } from "../test-support/fake-slack.ts";
import { launchChromium, screenshot } from "./browser.ts";
import { findInFiles } from "./scan-files.ts";
import { type RunningPlatform, startPlatform } from "./start-platform.ts";

const email = `browser-slack-${Date.now().toString(36)}@example.com`;
const password = "a long browser password";

let slack: FakeSlack;
let platform: RunningPlatform;
let browser: Browser;
let page: Page;
let instanceBase: string;

const url = (path: string) => new URL(path, platform.worker.url).href;

beforeAll(async () => {
  slack = await startFakeSlack({ clientId: "1111.2222", clientSecret: "fake-client-secret" });
  [platform, browser] = await Promise.all([
    startPlatform({
      vars: {
        SLACK_API_URL: slack.apiUrl,
        SLACK_AUTHORIZE_URL: slack.authorizeUrl,
        SLACK_CLIENT_ID: slack.clientId,
        SLACK_CLIENT_SECRET: slack.clientSecret,
      },
    }),
    launchChromium(),
  ]);
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
  await slack?.close();
});

describe("the Slack page in Chromium", () => {
  it("is in the sidebar and offers Add to Slack while not connected", async () => {
    await page.goto(url("/signup"));
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/instances\/ins_[0-9a-z]{20}\/machines$/);
    instanceBase = new URL(page.url()).pathname.replace(/\/machines$/, "");

    await page
      .getByRole("navigation", { name: "Instance" })
      .getByRole("link", { name: "Slack" })
      .click();
    await page.waitForURL(new RegExp(`${instanceBase}/slack$`));
    await expect(page.getByRole("heading", { name: "Slack", level: 1 }).isVisible()).resolves.toBe(
      true,
    );
    await expect(page.getByText("Slack is not connected").isVisible()).resolves.toBe(true);
    await screenshot(page, "10-slack-not-connected");
  });

  it("connects through Slack's authorize redirect and shows the team, bot and when", async () => {
    await page.getByRole("link", { name: "Add to Slack" }).click();
    await page.waitForURL(new RegExp(`${instanceBase}/slack$`));
    await expect(page.getByRole("status").textContent()).resolves.toContain(
      `Connected the Slack workspace ${DEFAULT_FAKE_TEAM.name}.`,
    );
    const team = slack.teams.get(DEFAULT_FAKE_TEAM.id);
    expect(team).toBeDefined();
    await expect(page.getByTestId("slack-team").textContent()).resolves.toBe(
      DEFAULT_FAKE_TEAM.name,
    );
    await expect(page.getByTestId("slack-bot").textContent()).resolves.toBe(team?.botUserId);
    await expect(page.getByText("just now").isVisible()).resolves.toBe(true);
    expect(await page.content()).not.toContain(team?.botToken);
    expect(slack.calls.filter((c) => c.method === "oauth.v2.access")).toHaveLength(1);
    await screenshot(page, "11-slack-connected");
  });

  it("asks before disconnecting; confirming deletes the connection", async () => {
    const disconnect = page.getByRole("button", { name: "Disconnect Slack" });
    page.once("dialog", (dialog) => dialog.dismiss());
    await disconnect.click();
    await expect(page.getByTestId("slack-team").isVisible()).resolves.toBe(true);
    page.once("dialog", (dialog) => dialog.accept());
    await disconnect.click();
    await page.getByRole("status").waitFor();
    await expect(page.getByRole("status").textContent()).resolves.toContain(
      "Disconnected Slack. The bot token is revoked at Slack and deleted here.",
    );
    await expect(page.getByRole("link", { name: "Add to Slack" }).isVisible()).resolves.toBe(true);
    await screenshot(page, "12-slack-disconnected");
  });

  it("left no plaintext bot token in the local D1 files", async () => {
    // Connect again, so a live row with the (encrypted) token is on disk to scan.
    await page.getByRole("link", { name: "Add to Slack" }).click();
    await page.getByTestId("slack-team").waitFor();
    await browser.close();
    await platform.worker.stop({ keepData: true });
    const token = slack.teams.get(DEFAULT_FAKE_TEAM.id)?.botToken as string;
    const hits = await findInFiles(platform.worker.persistDir, [token, DEFAULT_FAKE_TEAM.id]);
    expect(hits[DEFAULT_FAKE_TEAM.id]?.length).toBeGreaterThan(0); // control: the scan reads D1
    expect(hits[token]).toEqual([]);
  });
});
