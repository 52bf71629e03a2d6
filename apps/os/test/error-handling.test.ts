import { env } from "cloudflare:test";
import { AppError, ConfigError, DecryptionError } from "@iterate/contract";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../src/app.ts";
import { MachineNotReadyError } from "../src/machines/fetch-for-instance.ts";
import { sessionCsrfToken } from "../src/middleware/csrf.ts";
import { errorHandler } from "../src/middleware/error-handler.tsx";
import { call, ORIGIN, signUp, uniqueEmail } from "./helpers.ts";

const GENERIC = "Something went wrong on our side. Please try again.";

/** Everything the worker wrote with console.error / console.warn during `run`, as one string. */
async function captureLogs<T>(run: () => Promise<T>): Promise<{ result: T; logs: string }> {
  const lines: unknown[][] = [];
  const error = vi.spyOn(console, "error").mockImplementation((...args) => void lines.push(args));
  const warn = vi.spyOn(console, "warn").mockImplementation((...args) => void lines.push(args));
  try {
    const result = await run();
    return { result, logs: JSON.stringify(lines) };
  } finally {
    error.mockRestore();
    warn.mockRestore();
  }
}

/** A tiny app whose one route throws `err`, answered by the platform's `onError`. */
async function answerTo(err: unknown, accept = "application/json") {
  const app = new Hono().get("/api/x", () => {
    throw err;
  });
  app.onError(errorHandler());
  const { result: res, logs } = await captureLogs(() =>
    Promise.resolve(app.request("/api/x", { headers: { accept } })),
  );
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, ...body.error, logs };
}

afterEach(() => vi.restoreAllMocks());

describe("onError at 5xx: internal errors are logged, never shown", () => {
  it.each([
    ["a ConfigError", new ConfigError("ENCRYPTION_KEY", "ENCRYPTION_KEY is not set")],
    [
      "a DecryptionError",
      new DecryptionError("unknown_key", "Envelope was sealed with an unknown key"),
    ],
    ["an unexpected Error", new Error("db at 10.0.0.7 refused user admin")],
    ["an internal_error AppError", new AppError("internal_error", "stack detail")],
    ["an HTTPException 500", new HTTPException(500, { message: "upstream internals" })],
  ])("answers %s with the generic 500 message and logs it", async (_label, err) => {
    const res = await answerTo(err);
    expect(res).toMatchObject({ status: 500, code: "internal_error", message: GENERIC });
    expect(res.logs).toContain((err as Error).message);
  });

  it.each([
    ["machine_not_ready", new MachineNotReadyError("ins_1", null), 503],
    ["upstream_error", new AppError("upstream_error", "The machine's daemon did not answer."), 502],
    ["llm_not_configured", new AppError("llm_not_configured", "No LLM key is set."), 503],
  ])("keeps the user-facing message of the expected failure %s", async (code, err, status) => {
    const res = await answerTo(err);
    expect(res).toMatchObject({ status, code, message: err.message });
  });

  it("logs a machine-UI path without its capability (it opens the page to whoever holds it)", async () => {
    const capability = "usr_1.1900000000.c2VjcmV0LW1hYw";
    const app = new Hono().get("/instances/:id/machine-ui/:capability/ui", () => {
      throw new AppError("upstream_error", "The machine answered 503.", 502);
    });
    app.onError(errorHandler());
    const { result, logs } = await captureLogs(() =>
      Promise.resolve(app.request(`/instances/ins_1/machine-ui/${capability}/ui`)),
    );
    expect(result.status).toBe(502);
    expect(logs).toContain("/instances/ins_1/machine-ui/…/ui");
    expect(logs).not.toContain("c2VjcmV0LW1hYw");
  });

  it("keeps 4xx answers as they are", async () => {
    const res = await answerTo(new AppError("not_found", "No such env var."));
    expect(res).toMatchObject({ status: 404, code: "not_found", message: "No such env var." });
    expect(res.logs).toBe("[]");
  });

  it("does not show an envelope that fails to decrypt to the client (reveal → 500)", async () => {
    const user = await signUp("bad-envelope");
    const path = `/api/instances/${user.instance.id}/env-vars/SEALED`;
    expect((await call("PUT", path, { value: "v" }, user)).status).toBe(200);
    // Sealed under a key this platform never had.
    await env.DB.prepare("update env_vars set value_encrypted = ? where instance_id = ?")
      .bind(
        "v1.AAAAAAAA.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        user.instance.id,
      )
      .run();
    const { result: res, logs } = await captureLogs(() => call("GET", path, undefined, user));
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).toContain(GENERIC);
    expect(text).not.toMatch(/envelope|key/i);
    expect(logs).toContain("DecryptionError");
  });

  it("does not name a missing ENCRYPTION_KEY to the client, in JSON or on a page", async () => {
    const user = await signUp("no-key");
    const app = createApp();
    const noKey = { ...env, ENCRYPTION_KEY: "" };
    const { result, logs } = await captureLogs(async () => [
      await app.request(
        `${ORIGIN}/api/instances/${user.instance.id}/env-vars/X`,
        {
          method: "PUT",
          headers: { cookie: user.cookie, "content-type": "application/json" },
          body: JSON.stringify({ value: "x" }),
        },
        noKey,
      ),
      // The dashboard's form: an HTML error page.
      await app.request(
        `${ORIGIN}/instances/${user.instance.id}/env-vars`,
        {
          method: "POST",
          headers: { cookie: user.cookie, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            name: "X",
            value: "x",
            _csrf: await sessionCsrfToken(user.cookie.slice(user.cookie.indexOf("=") + 1)),
          }).toString(),
        },
        noKey,
      ),
    ]);
    const [json, page] = result as [Response, Response];
    expect(json.headers.get("content-type")).toMatch(/json/);
    expect(page.headers.get("content-type")).toMatch(/html/);
    for (const res of result) {
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).toContain(GENERIC);
      expect(text).not.toContain("ENCRYPTION_KEY");
    }
    expect(logs).toContain("ConfigError");
    expect(logs).toContain("ENCRYPTION_KEY");
  });

  it("logs a failed query by its SQL and cause, never its bound parameters", async () => {
    const failing = {
      prepare: () => {
        const stmt = {
          bind: () => stmt,
          run: () => Promise.reject(new Error("D1_ERROR: database is locked")),
          all: () => Promise.reject(new Error("D1_ERROR: database is locked")),
          raw: () => Promise.reject(new Error("D1_ERROR: database is locked")),
          first: () => Promise.reject(new Error("D1_ERROR: database is locked")),
        };
        return stmt;
      },
    } as unknown as D1Database;
    const email = uniqueEmail("param-leak");
    const password = "a password nobody may log";
    const { result: res, logs } = await captureLogs(async () =>
      createApp().request(
        `${ORIGIN}/api/auth/login`,
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email, password }),
        },
        { ...env, DB: failing },
      ),
    );
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain(email);
    expect(logs).toContain("DrizzleQueryError");
    expect(logs).toContain("database is locked");
    expect(logs).toMatch(/select .* from .*users/);
    expect(logs).not.toContain(email);
    expect(logs).not.toContain(password);
  });
});
