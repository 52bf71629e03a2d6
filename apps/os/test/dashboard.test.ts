import { describe, expect, it } from "vitest";
import { Browser, CSRF_COOKIE, signUp, uniqueEmail } from "./helpers.ts";

/** Signs up through the HTML form and returns the browser and the instance page it lands on. */
async function signUpInBrowser() {
  const browser = new Browser();
  await browser.page("/signup");
  const res = await browser.submit("/signup", {
    email: uniqueEmail("web"),
    password: "long enough pw",
  });
  expect(res.status).toBe(303);
  const location = res.headers.get("location") as string;
  expect(location).toMatch(/^\/instances\/ins_[0-9a-z]{20}\/machines$/);
  return { browser, base: location.replace(/\/machines$/, "") };
}

describe("dashboard: sign-up and log-in", () => {
  it("sends visitors without a session from / and instance pages to /login", async () => {
    const browser = new Browser();
    expect((await browser.fetch("/")).headers.get("location")).toBe("/login");
    const res = await browser.fetch("/instances/ins_00000000000000000000/env-vars");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(
      "/login?next=%2Finstances%2Fins_00000000000000000000%2Fenv-vars",
    );
  });

  it("renders the sign-up and log-in forms with a CSRF field, uncacheable", async () => {
    const browser = new Browser();
    for (const path of ["/signup", "/login"]) {
      const res = await browser.fetch(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      const html = await res.text();
      expect(html).toContain('name="_csrf"');
      expect(html).toContain('type="password"');
    }
  });

  it("refuses a form post without the CSRF token (403) and creates nothing", async () => {
    const browser = new Browser();
    await browser.page("/signup");
    const email = uniqueEmail();
    const res = await browser.submit("/signup", { email, password: "long enough pw" }, "forged");
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("Reload the page");
    const login = await new Browser().submit("/login", { email, password: "long enough pw" });
    expect(login.status).toBe(403); // and a fresh browser has no CSRF cookie at all
  });

  it("refuses a form post from another origin or an opaque one (403), even with the token", async () => {
    const browser = new Browser();
    await browser.page("/signup");
    const csrf = browser.cookies.get(CSRF_COOKIE) as string;
    for (const origin of ["https://evil.example", "null"]) {
      const res = await browser.fetch("/signup", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin },
        body: new URLSearchParams({
          email: uniqueEmail(),
          password: "long enough pw",
          _csrf: csrf,
        }).toString(),
      });
      expect(res.status).toBe(403);
    }
  });

  it("keeps referrers same-origin, so the browser's own form posts carry a real Origin", async () => {
    const res = await new Browser().fetch("/login");
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
  });

  it("signs up, lands on the instance's Machines page with a welcome flash", async () => {
    const { browser, base } = await signUpInBrowser();
    const html = await browser.page(`${base}/machines`);
    expect(html).toContain("is ready; its machine is starting.");
    // Sign-up started the instance's first machine: the page shows it and watches it live.
    expect(html).toMatch(/data-status="(creating|starting)"/);
    expect(html).toContain('data-live="/instances/');
    for (const label of ["Machines", "Access tokens", "Env vars", "Settings"]) {
      expect(html).toContain(label);
    }
    // The flash is shown once.
    expect(await browser.page(`${base}/machines`)).not.toContain("is ready;");
  });

  it("re-renders log-in with the same error for a wrong password and an unknown email", async () => {
    const user = await signUp();
    const browser = new Browser();
    await browser.page("/login");
    const wrong = await browser.submit("/login", { email: user.email, password: "nope nope" });
    const unknown = await browser.submit("/login", { email: uniqueEmail(), password: "nope nope" });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const a = await wrong.text();
    expect(a).toContain("The email or password is incorrect.");
    expect(a).toContain(user.email); // typed email kept, password not
    expect((await unknown.text()).includes("The email or password is incorrect.")).toBe(true);
  });

  it("logs in, honours ?next=, and logs out", async () => {
    const user = await signUp();
    const browser = new Browser();
    await browser.page("/login");
    const next = `/instances/${user.instance.id}/settings`;
    const res = await browser.submit(`/login?next=${encodeURIComponent(next)}`, {
      email: user.email,
      password: user.password,
    });
    expect(res.headers.get("location")).toBe(next);
    expect(await browser.page(next)).toContain("Repository URL");
    const out = await browser.submit("/logout", {});
    expect(out.headers.get("location")).toBe("/login");
    expect((await browser.fetch(next)).status).toBe(303);
  });

  it("never redirects ?next= off-site", async () => {
    const user = await signUp();
    const browser = new Browser();
    await browser.page("/login");
    const res = await browser.submit("/login?next=//evil.example/x", {
      email: user.email,
      password: user.password,
    });
    expect(res.headers.get("location")).toBe(`/instances/${user.instance.id}/machines`);
  });
});

describe("dashboard: instance pages", () => {
  it("creates an access token and shows it once, then revokes it", async () => {
    const { browser, base } = await signUpInBrowser();
    const res = await browser.submit(`${base}/access-tokens`, { name: "laptop" });
    expect(res.status).toBe(201);
    const html = await res.text();
    const token = html.match(/itk_tok_[0-9a-z]{20}_[0-9A-Za-z]{43}/)?.[0] as string;
    expect(token).toBeDefined();
    const page = await browser.page(`${base}/access-tokens`);
    expect(page).toContain("laptop");
    expect(page).not.toContain(token);
    const tokenId = token.split("_").slice(1, 3).join("_");
    const revoke = await browser.submit(`${base}/access-tokens/${tokenId}/revoke`, {});
    expect(revoke.status).toBe(303);
    const after = await browser.page(`${base}/access-tokens`);
    expect(after).toContain("Token revoked.");
    expect(after).toContain("Revoked");
  });

  it("sets an env var, lists it masked, refuses a reserved name with a flash, deletes it", async () => {
    const { browser, base } = await signUpInBrowser();
    const set = await browser.submit(`${base}/env-vars`, {
      name: "API_KEY",
      value: "sk-hidden-123",
    });
    expect(set.status).toBe(303);
    const page = await browser.page(`${base}/env-vars`);
    expect(page).toContain("Added API_KEY.");
    expect(page).toContain("API_KEY");
    expect(page).not.toContain("sk-hidden-123");
    await browser.submit(`${base}/env-vars`, { name: "ITERATE_MACHINE_ID", value: "x" });
    expect(await browser.page(`${base}/env-vars`)).toContain("ITERATE_MACHINE_ID is reserved");
    await browser.submit(`${base}/env-vars/API_KEY/delete`, {});
    const after = await browser.page(`${base}/env-vars`);
    expect(after).toContain("Deleted API_KEY.");
    expect(after).toContain("No env vars yet");
  });

  it("saves settings and shows validation errors as a flash", async () => {
    const { browser, base } = await signUpInBrowser();
    await browser.submit(`${base}/settings`, {
      name: "Acme",
      repoUrl: "git@github.com:acme/agents.git",
      repoRef: "main",
    });
    const page = await browser.page(`${base}/settings`);
    expect(page).toContain("Settings saved.");
    expect(page).toContain('value="git@github.com:acme/agents.git"');
    await browser.submit(`${base}/settings`, { name: "Acme", repoUrl: "ftp://nope", repoRef: "" });
    expect(await browser.page(`${base}/settings`)).toContain(
      "repository URL without a user or password",
    );
  });

  it("answers another user's instance pages with 404, never their content", async () => {
    const other = await signUp();
    const { browser } = await signUpInBrowser();
    for (const section of ["machines", "access-tokens", "env-vars", "settings"]) {
      const res = await browser.fetch(`/instances/${other.instance.id}/${section}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain(other.instance.name);
    }
    const post = await browser.submit(`/instances/${other.instance.id}/env-vars`, {
      name: "X",
      value: "y",
    });
    expect(post.status).toBe(404);
  });
});
