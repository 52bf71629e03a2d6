/**
 * Test helpers: requests through the real worker (`SELF`), sign-up, and a tiny cookie jar for
 * the dashboard's form flows.
 */
import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { sessionCsrfToken } from "../src/middleware/csrf.ts";

/** The origin tests address; not localhost, so cookies carry `Secure` as in production. */
export const ORIGIN = "https://os.test";

/** The session cookie's name on {@link ORIGIN} (https, so `__Host-` prefixed; auth/cookies.ts). */
export const SESSION_COOKIE = "__Host-iterate_session";
/** The pre-session CSRF cookie's name on {@link ORIGIN}. */
export const CSRF_COOKIE = "__Host-iterate_csrf";

let counter = 0;
/** A fresh, unique email for one test. */
export function uniqueEmail(label = "user"): string {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${counter}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

/** Credentials of a principal for {@link call}: a session cookie or a bearer token. */
export type Auth = { cookie: string } | { token: string } | undefined;

/**
 * A JSON API call. `body` is JSON-encoded unless it is already a string.
 * @example const res = await call("POST", "/api/auth/login", { email, password });
 */
export function call(
  method: string,
  path: string,
  body?: unknown,
  auth?: Auth,
  headers: Record<string, string> = {},
): Promise<Response> {
  const h: Record<string, string> = { ...headers };
  if (body !== undefined && !h["content-type"]) h["content-type"] = "application/json";
  if (auth && "cookie" in auth) h.cookie = auth.cookie;
  if (auth && "token" in auth) h.authorization = `Bearer ${auth.token}`;
  return SELF.fetch(`${ORIGIN}${path}`, {
    method,
    headers: h,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    redirect: "manual",
  });
}

/** `name=value` of the named cookie in a response's Set-Cookie headers, or undefined. */
export function cookieFrom(res: Response, name: string): string | undefined {
  for (const header of res.headers.getSetCookie()) {
    const [pair] = header.split(";");
    if (pair?.startsWith(`${name}=`)) return pair;
  }
  return undefined;
}

/** A signed-up user: their session cookie, user and first instance. */
export type SignedUp = {
  email: string;
  password: string;
  cookie: string;
  user: { id: string; email: string };
  instance: { id: string; name: string; slug: string };
};

/** Signs up through the API and returns the session. */
export async function signUp(label = "user"): Promise<SignedUp> {
  const email = uniqueEmail(label);
  const password = "correct horse battery staple";
  const res = await call("POST", "/api/auth/signup", { email, password });
  expect(res.status).toBe(201);
  const cookie = cookieFrom(res, SESSION_COOKIE);
  expect(cookie).toBeDefined();
  const body = (await res.json()) as Pick<SignedUp, "user" | "instance">;
  return { email, password, cookie: cookie as string, ...body };
}

/** Creates a user access token for the signed-up user's instance. */
export async function createToken(user: SignedUp, name = "test"): Promise<string> {
  const res = await call(
    "POST",
    `/api/instances/${user.instance.id}/access-tokens`,
    { name },
    { cookie: user.cookie },
  );
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

/**
 * A chunked request body of `chunkBytes`-byte chunks (spaces, or `fill`), up to `maxBytes`, and
 * how much of it was pulled: a route that stops reading at its cap pulls little.
 * @example const big = endlessBody(); …fetch(url, { body: big.body }); expect(big.pulled()).toBeLessThan(cap * 2);
 */
export function endlessBody(
  options: { chunkBytes?: number; maxBytes?: number; fill?: Uint8Array } = {},
) {
  const chunk = options.fill ?? new Uint8Array(options.chunkBytes ?? 1024 * 1024).fill(0x20);
  const maxBytes = options.maxBytes ?? 128 * 1024 * 1024;
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= maxBytes) return controller.close();
      pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { body, pulled: () => pulled };
}

/** Asserts an error response's status and code, returning its message. */
export async function expectError(res: Response, status: number, code: string): Promise<string> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
  expect(typeof body.error.message).toBe("string");
  return body.error.message;
}

/**
 * A browser-ish client for dashboard flows: keeps cookies, submits forms with the CSRF token
 * found in the last page, follows nothing automatically.
 */
export class Browser {
  readonly cookies = new Map<string, string>();

  /** A browser already signed in: `cookie` is the `name=value` pair `signUp()` returned. */
  static signedIn(cookie: string): Browser {
    const browser = new Browser();
    browser.cookies.set(SESSION_COOKIE, cookie.slice(cookie.indexOf("=") + 1));
    return browser;
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    }
    const res = await SELF.fetch(`${ORIGIN}${path}`, { ...init, headers, redirect: "manual" });
    for (const header of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = header.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const expired = attrs.some(
        (a) => /max-age=0/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a),
      );
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1));
    }
    return res;
  }

  /** GETs a page and returns its HTML (asserting 200). */
  async page(path: string): Promise<string> {
    const res = await this.fetch(path);
    expect(res.status, `GET ${path}`).toBe(200);
    return res.text();
  }

  /** The `_csrf` a page would carry: the session's token when signed in, else the CSRF cookie. */
  async csrfToken(): Promise<string | undefined> {
    const session = this.cookies.get(SESSION_COOKIE);
    return session ? sessionCsrfToken(session) : this.cookies.get(CSRF_COOKIE);
  }

  /** POSTs a form with the CSRF token of {@link csrfToken} (or `csrf`) in `_csrf`. */
  async submit(path: string, fields: Record<string, string>, csrf?: string): Promise<Response> {
    const token = csrf ?? (await this.csrfToken());
    const form = new URLSearchParams({ ...fields, ...(token ? { _csrf: token } : {}) });
    return this.fetch(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
  }
}
