import { describe, expect, it } from "vitest";
import { call, ORIGIN, signUp } from "./helpers.ts";

/** Where `GET /login?next=…` sends a signed-in user (the raw query is sent as written). */
async function landingFor(cookie: string, rawNext: string): Promise<string | null> {
  const res = await call("GET", `/login?next=${rawNext}`, undefined, { cookie });
  expect(res.status, rawNext).toBe(303);
  return res.headers.get("location");
}

describe("?next= after log-in (open redirects)", () => {
  it("keeps a same-site path with its query", async () => {
    const user = await signUp();
    const next = `/instances/${user.instance.id}/settings?tab=repo`;
    expect(await landingFor(user.cookie, encodeURIComponent(next))).toBe(next);
  });

  it.each([
    ["a tab after the slash", "%2F%09%2Fevil.example"],
    ["a newline after the slash", "%2F%0A%2Fevil.example"],
    ["a carriage return and newline", "%2F%0D%0A%2Fevil.example"],
    ["a protocol-relative URL", "%2F%2Fevil.example"],
    ["a backslash", "%2F%5Cevil.example"],
    ["a leading backslash", "%5C%5Cevil.example"],
    ["an absolute URL", "https%3A%2F%2Fevil.example%2F"],
    ["a javascript: URL", "javascript%3Aalert(1)"],
    ["a leading space", "%20%2F%2Fevil.example"],
    ["an unencoded protocol-relative URL", "//evil.example/x"],
    ["a dot segment before the double slash", "%2F.%2F%2Fevil.example%2Flogin"],
    ["a dot-dot segment before the double slash", "%2F..%2F%2Fevil.example"],
    ["an encoded dot segment", "%2F%252e%2F%2Fevil.example"],
    ["a segment undone by dot-dot", "%2Fa%2F..%2F%2Fevil.example"],
  ])("never leaves the site for %s (lands on the instance instead)", async (_label, rawNext) => {
    const user = await signUp();
    const location = await landingFor(user.cookie, rawNext);
    expect(location).toBe(`/instances/${user.instance.id}/machines`);
    expect(new URL(location as string, ORIGIN).origin).toBe(ORIGIN);
  });

  it("renders the log-in form for an encoded newline instead of failing (200, not 500)", async () => {
    const res = await call("GET", "/login?next=%2F%0A%2Fevil.example");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toContain("evil.example");
  });
});
