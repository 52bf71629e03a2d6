import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Browser, call, expectError, uniqueEmail } from "./helpers.ts";

// wrangler.toml: AUTH_IP_RATE_LIMIT 20 / 60 s, AUTH_EMAIL_RATE_LIMIT 5 / 60 s. The windows are
// fixed, so one boundary can fall inside a test: a limit of N is certain to refuse within 2N + 1.
const PER_IP = 20;
const PER_EMAIL = 5;

/** A documentation-range address (RFC 5737) no other test uses. */
function randomIp(): string {
  const [a, b] = crypto.getRandomValues(new Uint8Array(2));
  return `198.51.${a}.${b}`;
}

const login = (email: string, ip?: string) =>
  call(
    "POST",
    "/api/auth/login",
    { email, password: "not the password" },
    undefined,
    ip ? { "cf-connecting-ip": ip } : {},
  );

/** Sends attempts until one is refused with 429; returns it and how many went through before. */
async function untilRefused(attempt: (i: number) => Promise<Response>, max: number) {
  for (let i = 0; i < max; i++) {
    const res = await attempt(i);
    if (res.status === 429) return { res, passed: i };
    expect(res.status).toBe(401);
  }
  throw new Error(`no 429 within ${max} attempts`);
}

describe("rate limits on log-in and sign-up", () => {
  it("refuses a client IP after too many log-ins (429 rate_limited, Retry-After), other IPs unaffected", async () => {
    const ip = randomIp();
    const { res, passed } = await untilRefused(
      () => login(uniqueEmail("ip-limit"), ip),
      2 * PER_IP + 1,
    );
    expect(passed).toBeGreaterThanOrEqual(PER_IP);
    const message = await expectError(res, 429, "rate_limited");
    expect(message).toMatch(/Too many attempts/);
    expect(res.headers.get("retry-after")).toBe("60");
    // Sign-up from the same address shares the limit, and creates nothing.
    const email = uniqueEmail("ip-limit-signup");
    const signup = await call(
      "POST",
      "/api/auth/signup",
      { email, password: "long enough pw" },
      undefined,
      { "cf-connecting-ip": ip },
    );
    await expectError(signup, 429, "rate_limited");
    const row = await env.DB.prepare("select id from users where email = ?").bind(email).first();
    expect(row).toBeNull();
    expect((await login(uniqueEmail("other-ip"), randomIp())).status).toBe(401);
  });

  it("refuses an email after too many attempts, whichever IPs they come from", async () => {
    const email = uniqueEmail("email-limit");
    const { res } = await untilRefused(() => login(email, randomIp()), 2 * PER_EMAIL + 1);
    await expectError(res, 429, "rate_limited");
    // In any letter case, and for sign-up too.
    const signup = await call("POST", "/api/auth/signup", {
      email: email.toUpperCase(),
      password: "long enough pw",
    });
    await expectError(signup, 429, "rate_limited");
  });

  it("shows the limit on the log-in form as an error, with the email kept", async () => {
    const browser = new Browser();
    await browser.page("/login");
    const email = uniqueEmail("form-limit");
    const { res } = await untilRefused(
      () => browser.submit("/login", { email, password: "not the password" }),
      2 * PER_EMAIL + 1,
    );
    const html = await res.text();
    expect(html).toContain("Too many attempts. Please wait a minute, then try again.");
    expect(html).toContain('role="alert"');
    expect(html).toContain(email);
  });
});
