import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createAccessToken } from "../src/db/access-tokens.ts";
import { createDb } from "../src/db/client.ts";
import { call, createToken, endlessBody, expectError, ORIGIN, signUp } from "./helpers.ts";

describe("isolation between instances", () => {
  it("user A cannot read or change B's tokens, env vars or settings with A's session (404)", async () => {
    const [a, b] = await Promise.all([signUp("a"), signUp("b")]);
    const bToken = await createToken(b);
    const bTokenId = bToken.split("_").slice(1, 3).join("_");
    await call("PUT", `/api/instances/${b.instance.id}/env-vars/B_SECRET`, { value: "b" }, b);
    const base = `/api/instances/${b.instance.id}`;
    const attempts: [string, string, unknown?][] = [
      ["GET", base],
      ["PATCH", base, { name: "pwned" }],
      ["GET", `${base}/access-tokens`],
      ["POST", `${base}/access-tokens`, { name: "x" }],
      ["DELETE", `${base}/access-tokens/${bTokenId}`],
      ["GET", `${base}/env-vars`],
      ["GET", `${base}/env-vars/B_SECRET`],
      ["PUT", `${base}/env-vars/B_SECRET`, { value: "a" }],
      ["DELETE", `${base}/env-vars/B_SECRET`],
    ];
    for (const [method, path, body] of attempts) {
      await expectError(await call(method, path, body, { cookie: a.cookie }), 404, "not_found");
    }
    // Nothing of B's changed.
    const reveal = await call("GET", `${base}/env-vars/B_SECRET`, undefined, b);
    expect(await reveal.json()).toMatchObject({ envVar: { value: "b" } });
    expect((await call("GET", "/api/instances", undefined, { token: bToken })).status).toBe(200);
  });

  it("A's access token cannot act for B's instance (404), only for A's", async () => {
    const [a, b] = await Promise.all([signUp("a"), signUp("b")]);
    const aToken = await createToken(a);
    const res = await call("GET", `/api/instances/${b.instance.id}/env-vars`, undefined, {
      token: aToken,
    });
    await expectError(res, 404, "not_found");
    const own = await call("GET", `/api/instances/${a.instance.id}/env-vars`, undefined, {
      token: aToken,
    });
    expect(own.status).toBe(200);
  });

  it("an unknown instance answers exactly like another user's (404 not_found)", async () => {
    const a = await signUp();
    const res = await call("GET", "/api/instances/ins_00000000000000000000/env-vars", undefined, a);
    await expectError(res, 404, "not_found");
  });

  it("a revoked token is refused everywhere (401), even for its own instance", async () => {
    const a = await signUp();
    const token = await createToken(a);
    const id = token.split("_").slice(1, 3).join("_");
    await call("DELETE", `/api/instances/${a.instance.id}/access-tokens/${id}`, undefined, a);
    for (const path of ["/api/instances", `/api/instances/${a.instance.id}/env-vars`]) {
      await expectError(await call("GET", path, undefined, { token }), 401, "unauthorized");
    }
  });

  it("a bad bearer token does not fall back to the session cookie (401)", async () => {
    const a = await signUp();
    const res = await call("GET", "/api/instances", undefined, undefined, {
      cookie: a.cookie,
      authorization: "Bearer itk_nonsense",
    });
    await expectError(res, 401, "unauthorized");
  });

  it("a machine token cannot use the user API (401)", async () => {
    const a = await signUp();
    const { token } = await createAccessToken(createDb(env.DB), {
      instanceId: a.instance.id,
      name: "machine",
      kind: "machine",
      machineId: "mch_00000000000000000000",
    });
    await expectError(
      await call("GET", "/api/instances", undefined, { token }),
      401,
      "unauthorized",
    );
  });

  it("refuses a cross-site browser request with the session cookie (403 forbidden)", async () => {
    const a = await signUp();
    const res = await call(
      "PUT",
      `/api/instances/${a.instance.id}/env-vars/X`,
      { value: "x" },
      { cookie: a.cookie },
      { origin: "https://evil.example" },
    );
    await expectError(res, 403, "forbidden");
  });
});

describe("input validation on the JSON API", () => {
  it("answers malformed JSON with 400 invalid_json", async () => {
    const a = await signUp();
    const res = await call("POST", `/api/instances/${a.instance.id}/access-tokens`, "{nope", a);
    await expectError(res, 400, "invalid_json");
  });

  it("answers a non-JSON body with 415 unsupported_media_type", async () => {
    const a = await signUp();
    const res = await call("POST", `/api/instances/${a.instance.id}/access-tokens`, "name=x", a, {
      "content-type": "application/x-www-form-urlencoded",
    });
    await expectError(res, 415, "unsupported_media_type");
  });

  it("answers a body over 256 KiB with 413 payload_too_large", async () => {
    const a = await signUp();
    const huge = JSON.stringify({ value: "x".repeat(300 * 1024) });
    const res = await call("PUT", `/api/instances/${a.instance.id}/env-vars/HUGE`, huge, a);
    await expectError(res, 413, "payload_too_large");
  });

  it("stops reading a body without Content-Length once it passes the limit (413)", async () => {
    const a = await signUp();
    // 64 KiB chunks, up to 64 MiB: far more than the limit if nothing stopped reading.
    const endless = endlessBody({ chunkBytes: 64 * 1024, maxBytes: 64 * 1024 * 1024 });
    const res = await SELF.fetch(`${ORIGIN}/api/instances/${a.instance.id}/env-vars/HUGE`, {
      method: "PUT",
      headers: { "content-type": "application/json", cookie: a.cookie },
      body: endless.body,
    });
    await expectError(res, 413, "payload_too_large");
    expect(endless.pulled()).toBeLessThan(4 * 1024 * 1024);
  });

  it("answers wrong types and missing fields with 400 validation_failed", async () => {
    const a = await signUp();
    const base = `/api/instances/${a.instance.id}`;
    await expectError(
      await call("PUT", `${base}/env-vars/X`, { value: 1 }, a),
      400,
      "validation_failed",
    );
    await expectError(await call("PUT", `${base}/env-vars/X`, {}, a), 400, "validation_failed");
    await expectError(await call("POST", `${base}/access-tokens`, [], a), 400, "validation_failed");
    await expectError(
      await call("POST", "/api/auth/login", { email: "a@b.c" }),
      400,
      "validation_failed",
    );
  });

  it("answers unknown API routes with 404 not_found as JSON", async () => {
    await expectError(await call("GET", "/api/nope"), 404, "not_found");
  });
});
