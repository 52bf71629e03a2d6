import { beforeAll, describe, expect, it } from "vitest";
import { listMachinesForInstance } from "../src/db/machines.ts";
import { sessionCsrfToken } from "../src/middleware/csrf.ts";
import { Browser, call, endlessBody, type SignedUp, signUp } from "./helpers.ts";
import { db } from "./machines/support.ts";

// Every state-changing dashboard form, attacked as a forging site would: without the token,
// with the right token but from another site, and with another session's token. All 403, and
// nothing happens.

const cookieValue = (cookie: string) => cookie.slice(cookie.indexOf("=") + 1);

let victim: SignedUp;
let browser: Browser;
let token: string;
let attackerToken: string;
beforeAll(async () => {
  victim = await signUp("forgery-victim");
  browser = Browser.signedIn(victim.cookie);
  token = await sessionCsrfToken(cookieValue(victim.cookie));
  attackerToken = await sessionCsrfToken(cookieValue((await signUp("forgery-attacker")).cookie));
});

const base = () => `/instances/${victim.instance.id}`;
const FORMS: Array<[string, () => string, Record<string, string>]> = [
  ["rebuild the machine", () => `${base()}/machines/rebuild`, {}],
  ["start an agent session", () => `${base()}/agents`, { text: "rm -rf everything" }],
  ["message a session", () => `${base()}/agents/web%2Fses_x/messages`, { text: "hi" }],
  ["stop a session", () => `${base()}/agents/web%2Fses_x/stop`, {}],
  ["set an env var", () => `${base()}/env-vars`, { name: "FORGED", value: "x" }],
  ["delete an env var", () => `${base()}/env-vars/KEEP/delete`, {}],
  ["create an access token", () => `${base()}/access-tokens`, { name: "forged" }],
  ["rename the instance", () => `${base()}/settings`, { name: "pwned" }],
  ["disconnect Slack", () => `${base()}/slack/disconnect`, {}],
  ["start the MCP servers", () => `${base()}/tools/start`, {}],
  ["log out everywhere", () => "/logout-everywhere", {}],
  ["log out", () => "/logout", {}],
];

function post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return browser.fetch(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

describe("forged dashboard forms", () => {
  it.each(FORMS)(
    "%s: refused without the token, from another site, with another session's",
    async (_, path, fields) => {
      const attempts = [
        await post(path(), fields),
        await post(path(), { ...fields, _csrf: token }, { origin: "https://evil.example" }),
        await post(path(), { ...fields, _csrf: token }, { "sec-fetch-site": "cross-site" }),
        await post(path(), { ...fields, _csrf: attackerToken }),
      ];
      expect(attempts.map((res) => res.status)).toEqual([403, 403, 403, 403]);
    },
  );

  it("and none of them had an effect", async () => {
    const api = (p: string) =>
      call("GET", `/api/instances/${victim.instance.id}${p}`, undefined, {
        cookie: victim.cookie,
      });
    const instance = (await (await api("")).json()) as { instance: { name: string } };
    expect(instance.instance.name).toBe(victim.instance.name);
    const envVars = (await (await api("/env-vars")).json()) as { envVars: { name: string }[] };
    expect(envVars.envVars.map((v) => v.name)).not.toContain("FORGED");
    const tokens = (await (await api("/access-tokens")).json()) as { tokens: { name: string }[] };
    expect(tokens.tokens.map((t) => t.name)).not.toContain("forged");
    const { current, history } = await listMachinesForInstance(db(), victim.instance.id);
    expect(current).not.toBeNull();
    expect(history).toEqual([]); // no rebuild moved the first machine into the history
    // The session survived the forged log-outs.
    expect((await api("")).status).toBe(200);
  });

  it("the right token from the dashboard itself works (the attacks were not refused by accident)", async () => {
    const res = await post(`${base()}/settings`, { name: "Renamed by me", _csrf: token });
    expect(res.status).toBe(303);
  });
});

describe("a form body is capped before anyone is authenticated", () => {
  it("refuses a 2 MiB form to /login with 413, declared or chunked, without reading it all", async () => {
    const big = `email=a%40b.c&password=${"x".repeat(2 * 1024 * 1024)}`;
    const declared = await new Browser().fetch("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: big,
    });
    expect(declared.status).toBe(413);
    // 4 MiB in all, if anyone read that far.
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    const stream = endlessBody({ fill: chunk, maxBytes: 64 * chunk.byteLength });
    const chunked = await new Browser().fetch("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: stream.body,
      // @ts-expect-error Node's fetch wants this for a stream body
      duplex: "half",
    });
    expect(chunked.status).toBe(413);
    expect(stream.pulled()).toBeLessThan(64 * chunk.byteLength);
  });
});
