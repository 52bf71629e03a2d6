/**
 * The dashboard in a real browser, against the real worker and its local D1 file, with real
 * machines (local-sandbox daemons): a new person signs up and watches their machine become ready,
 * rebuilds it, walks the sidebar, creates a token (seen once), sets an env var (seen masked),
 * revokes and deletes — then the D1 files on disk are scanned for any plaintext secret.
 * Steps share one browser session, so they run in order.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshot } from "./browser.ts";
import { findInFiles } from "./scan-files.ts";
import { type RunningPlatform, startPlatform } from "./start-platform.ts";
import type { RunningWorker } from "./start-worker.ts";

const email = `browser-${Date.now().toString(36)}@example.com`;
const password = "a long browser password";
const envName = "OPENAI_API_KEY";
const envValue = `sk-plaintext-${crypto.randomUUID()}`;
const apiEnvValue = `api-plaintext-${crypto.randomUUID()}`;

let platform: RunningPlatform;
let worker: RunningWorker;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let instanceBase: string;
let token: string;

const url = (path: string) => new URL(path, worker.url).href;

beforeAll(async () => {
  [platform, browser] = await Promise.all([startPlatform(), launchChromium()]);
  worker = platform.worker;
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

describe("dashboard in Chromium", () => {
  it("signs a new person up and lands on their instance's Machines page", async () => {
    await page.goto(url("/"));
    await page.waitForURL(/\/login$/);
    await screenshot(page, "01-login");
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/signup$/);
    await screenshot(page, "02-signup");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/instances\/ins_[0-9a-z]{20}\/machines$/);
    instanceBase = new URL(page.url()).pathname.replace(/\/machines$/, "");
    await expect(
      page.getByRole("heading", { name: "Machines", level: 1 }).isVisible(),
    ).resolves.toBe(true);
    await expect(page.getByRole("status").textContent()).resolves.toContain("is ready");
    await screenshot(page, "03-machines");
  });

  it("shows the new machine move to Ready live, with the daemon's own answer", async () => {
    const panel = page.locator("#machine-panel");
    // No reload: the panel refreshes itself while the machine moves through its steps.
    await panel.locator('.badge[data-status="ready"]').waitFor({ timeout: 20_000 });
    await panel.locator('[data-ping="ok"]').waitFor();
    await expect(panel.locator('[data-ping="ok"]').textContent()).resolves.toMatch(
      /answering · version/,
    );
    await screenshot(page, "03b-machine-ready");
  });

  it("rebuilds the machine after a confirm: the new one becomes ready, the old one is in History", async () => {
    const panel = page.locator("#machine-panel");
    const oldId = (await panel.locator("dd.mono").first().textContent())?.trim();
    expect(oldId).toMatch(/^mch_/);
    page.once("dialog", (dialog) => dialog.dismiss());
    await panel.getByRole("button", { name: "Rebuild machine" }).click();
    await expect(panel.locator("dd.mono").first().textContent()).resolves.toBe(oldId);
    page.once("dialog", (dialog) => dialog.accept());
    await panel.getByRole("button", { name: "Rebuild machine" }).click();
    await page.getByRole("status").waitFor();
    await expect(page.getByRole("status").textContent()).resolves.toContain("Rebuilding");
    const fresh = page.locator("#machine-panel");
    await fresh.locator('.badge[data-status="ready"]').waitFor({ timeout: 20_000 });
    await expect(fresh.locator("dd.mono").first().textContent()).resolves.not.toBe(oldId);
    const row = fresh.locator(`tr[data-machine="${oldId}"]`);
    await expect(row.locator('.badge[data-status="archived"]').isVisible()).resolves.toBe(true);
    await expect(row.textContent()).resolves.toContain("Replaced by a rebuild.");
    await screenshot(page, "03c-machine-rebuilt");
  });

  it("navigates the sidebar: each section is a page with its own heading", async () => {
    const nav = page.getByRole("navigation", { name: "Instance" });
    for (const [label, path] of [
      ["Access tokens", "access-tokens"],
      ["Env vars", "env-vars"],
      ["Settings", "settings"],
      ["Machines", "machines"],
    ] as const) {
      await nav.getByRole("link", { name: label }).click();
      await page.waitForURL(new RegExp(`${instanceBase}/${path}$`));
      await expect(page.getByRole("heading", { name: label, level: 1 }).isVisible()).resolves.toBe(
        true,
      );
      const current = await nav.locator('[aria-current="page"]').textContent();
      expect(current).toContain(label);
    }
  });

  it("creates an access token and shows it exactly once", async () => {
    await page.goto(url(`${instanceBase}/access-tokens`));
    await expect(page.getByText("No access tokens yet").isVisible()).resolves.toBe(true);
    await screenshot(page, "04-access-tokens-empty");
    await page.getByLabel("Name").fill("laptop");
    await page.getByRole("button", { name: "Create token" }).click();
    const shown = page.getByTestId("new-token");
    token = (await shown.textContent())?.trim() ?? "";
    expect(token).toMatch(/^itk_tok_[0-9a-z]{20}_[0-9A-Za-z]{43}$/);
    await screenshot(page, "05-access-token-created");
    await page.goto(url(`${instanceBase}/access-tokens`));
    const html = await page.content();
    expect(html).toContain("laptop");
    expect(html).not.toContain(token);
    await expect(page.getByRole("cell", { name: /laptop/ }).isVisible()).resolves.toBe(true);
  });

  it("the token works against the JSON API of its instance", async () => {
    const instanceId = instanceBase.split("/").at(-1);
    const res = await fetch(url(`/api/instances/${instanceId}/env-vars/FROM_API`), {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ value: apiEnvValue }),
    });
    expect(res.status).toBe(200);
  });

  it("sets an env var and lists it masked; reveal shows it on request", async () => {
    await page.goto(url(`${instanceBase}/env-vars`));
    await page.getByLabel("Name").fill(envName);
    await page.getByLabel("Value").fill(envValue);
    await page.getByRole("button", { name: "Save variable" }).click();
    await page.waitForURL(new RegExp(`${instanceBase}/env-vars$`));
    await expect(page.getByRole("status").textContent()).resolves.toContain(`Added ${envName}.`);
    const row = page.locator(`tr[data-env-name="${envName}"]`);
    await expect(row.locator(".masked").textContent()).resolves.toBe("••••••••");
    expect(await page.content()).not.toContain(envValue);
    await screenshot(page, "06-env-vars");
    await row.getByRole("button", { name: "Reveal" }).click();
    await row.locator(".secret-value").waitFor();
    await expect(row.locator(".secret-value").textContent()).resolves.toBe(envValue);
    await row.getByRole("button", { name: "Hide" }).click();
    await expect(row.locator(".masked").textContent()).resolves.toBe("••••••••");
  });

  it("refuses a reserved env var name with a clear error flash", async () => {
    await page.getByLabel("Name").fill("ITERATE_MACHINE_TOKEN");
    await page.getByLabel("Value").fill("nope");
    await page.getByRole("button", { name: "Save variable" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain(
      "ITERATE_MACHINE_TOKEN is reserved",
    );
  });

  it("saves the repository in Settings", async () => {
    await page.goto(url(`${instanceBase}/settings`));
    await page.getByLabel("Repository URL").fill("https://github.com/acme/agents.git");
    await page.getByLabel("Branch, tag or commit").fill("main");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toContain("Settings saved.");
    await expect(page.getByLabel("Repository URL").inputValue()).resolves.toBe(
      "https://github.com/acme/agents.git",
    );
    await screenshot(page, "07-settings");
  });

  it("asks before revoking; cancelling keeps the token, confirming revokes it", async () => {
    await page.goto(url(`${instanceBase}/access-tokens`));
    const revoke = page.getByRole("button", { name: "Revoke" });
    page.once("dialog", (dialog) => dialog.dismiss());
    await revoke.click();
    await expect(page.getByText("Active").isVisible()).resolves.toBe(true);
    page.once("dialog", (dialog) => dialog.accept());
    await revoke.click();
    await page.getByRole("status").waitFor();
    await expect(page.getByRole("status").textContent()).resolves.toContain("Token revoked.");
    await expect(page.locator(".badge", { hasText: "Revoked" }).isVisible()).resolves.toBe(true);
    await screenshot(page, "08-access-token-revoked");
    const res = await fetch(url("/api/instances"), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(401);
  });

  it("asks before deleting an env var, then shows the empty state when all are gone", async () => {
    await page.goto(url(`${instanceBase}/env-vars`));
    for (const name of [envName, "FROM_API"]) {
      page.once("dialog", (dialog) => dialog.accept());
      await page
        .locator(`tr[data-env-name="${name}"]`)
        .getByRole("button", { name: "Delete" })
        .click();
      await page.getByRole("status").waitFor();
      await expect(page.getByRole("status").textContent()).resolves.toContain(`Deleted ${name}.`);
    }
    await expect(page.getByText("No env vars yet").isVisible()).resolves.toBe(true);
  });

  it("fits a phone screen: the sidebar becomes a top bar", async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      storageState: await context.storageState(),
    });
    const mobile = await phone.newPage();
    await mobile.goto(url(`${instanceBase}/access-tokens`));
    await screenshot(mobile, "09-mobile-access-tokens");
    const width = await mobile.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await phone.close();
  });

  it("logs out back to the log-in page, and the instance is closed to the old session", async () => {
    await page.goto(url(`${instanceBase}/machines`));
    await page.getByRole("button", { name: "Log out", exact: true }).click();
    await page.waitForURL(/\/login$/);
    await expect(page.getByRole("status").textContent()).resolves.toContain("logged out");
    await page.goto(url(`${instanceBase}/env-vars`));
    await page.waitForURL(/\/login\?next=/);
  });

  it("leaves no plaintext password, token or env var value in the local D1 files", async () => {
    await browser.close();
    await worker.stop({ keepData: true }); // closes SQLite, so everything is on disk
    const secret = token.split("_").at(-1) as string;
    const hits = await findInFiles(worker.persistDir, [
      password,
      token,
      secret,
      envValue,
      apiEnvValue,
      email, // control: proves the scan reads the database files
    ]);
    expect(hits[email]?.length).toBeGreaterThan(0);
    expect({ ...hits, [email]: [] }).toEqual({
      [password]: [],
      [token]: [],
      [secret]: [],
      [envValue]: [],
      [apiEnvValue]: [],
      [email]: [],
    });
  });
});
