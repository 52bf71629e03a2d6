import { env } from "cloudflare:test";
import { ENV_VARS_MAX_PER_INSTANCE, RESERVED_ENV_NAMES } from "@iterate/contract";
import { describe, expect, it } from "vitest";
import { call, expectError, type SignedUp, signUp } from "./helpers.ts";

const varsPath = (user: SignedUp, name = "") =>
  `/api/instances/${user.instance.id}/env-vars${name ? `/${encodeURIComponent(name)}` : ""}`;

describe("env vars", () => {
  it("sets, lists (names only), reveals, updates and deletes a variable", async () => {
    const user = await signUp();
    const put = await call("PUT", varsPath(user, "GITHUB_TOKEN"), { value: "ghp_first" }, user);
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({
      envVar: { name: "GITHUB_TOKEN", updatedAt: expect.any(String) },
      // The machine sign-up started is not ready yet: it gets the env when it starts.
      machine: { env: "not_ready" },
    });

    const list = await call("GET", varsPath(user), undefined, user);
    const text = await list.text();
    expect(text).not.toContain("ghp_first");
    expect(JSON.parse(text)).toEqual({
      envVars: [{ name: "GITHUB_TOKEN", updatedAt: expect.any(String) }],
    });

    await call("PUT", varsPath(user, "GITHUB_TOKEN"), { value: "ghp_second" }, user);
    const reveal = await call("GET", varsPath(user, "GITHUB_TOKEN"), undefined, user);
    expect(reveal.headers.get("cache-control")).toBe("no-store");
    expect(await reveal.json()).toMatchObject({
      envVar: { name: "GITHUB_TOKEN", value: "ghp_second" },
    });

    const del = await call("DELETE", varsPath(user, "GITHUB_TOKEN"), undefined, user);
    expect(del.status).toBe(204);
    await expectError(
      await call("GET", varsPath(user, "GITHUB_TOKEN"), undefined, user),
      404,
      "not_found",
    );
    await expectError(
      await call("DELETE", varsPath(user, "GITHUB_TOKEN"), undefined, user),
      404,
      "not_found",
    );
  });

  it("encrypts values at rest, bound to instance and name", async () => {
    const user = await signUp();
    await call("PUT", varsPath(user, "SECRET_A"), { value: "plain-text-value-a" }, user);
    const row = await env.DB.prepare(
      "select value_encrypted from env_vars where instance_id = ? and name = ?",
    )
      .bind(user.instance.id, "SECRET_A")
      .first<{ value_encrypted: string }>();
    expect(row?.value_encrypted).toMatch(/^v1\./);
    expect(row?.value_encrypted).not.toContain("plain-text-value-a");

    // A ciphertext moved to another name does not decrypt (AAD = instance + name).
    await env.DB.prepare(
      "insert into env_vars (instance_id, name, value_encrypted, created_at, updated_at) values (?, 'MOVED', ?, 0, 0)",
    )
      .bind(user.instance.id, row?.value_encrypted)
      .run();
    const moved = await call("GET", varsPath(user, "MOVED"), undefined, user);
    await expectError(moved, 500, "internal_error");
  });

  it.each(RESERVED_ENV_NAMES)(
    "refuses the reserved name %s with 400 reserved_name",
    async (name) => {
      const user = await signUp();
      const message = await expectError(
        await call("PUT", varsPath(user, name), { value: "x" }, user),
        400,
        "reserved_name",
      );
      expect(message).toContain(name);
    },
  );

  it.each(["1ABC", "A-B", "A B", "É", "x".repeat(129)])(
    "refuses the invalid name %s with 400 validation_failed",
    async (name) => {
      const user = await signUp();
      const res = await call("PUT", varsPath(user, name), { value: "x" }, user);
      await expectError(res, 400, "validation_failed");
    },
  );

  it("accepts a 128-character name and a 32 KiB value, refuses 32 KiB + 1 byte", async () => {
    const user = await signUp();
    const name = `A${"_".repeat(127)}`;
    expect(
      (await call("PUT", varsPath(user, name), { value: "v".repeat(32768) }, user)).status,
    ).toBe(200);
    const over = await call("PUT", varsPath(user, "BIG"), { value: "v".repeat(32769) }, user);
    await expectError(over, 400, "validation_failed");
  });

  it(`allows at most ${ENV_VARS_MAX_PER_INSTANCE} per instance, still updating existing ones`, async () => {
    const user = await signUp();
    const rows = Array.from({ length: ENV_VARS_MAX_PER_INSTANCE }, (_, i) =>
      env.DB.prepare(
        "insert into env_vars (instance_id, name, value_encrypted, created_at, updated_at) values (?, ?, 'x', 0, 0)",
      ).bind(user.instance.id, `VAR_${i}`),
    );
    await env.DB.batch(rows);
    const over = await call("PUT", varsPath(user, "ONE_MORE"), { value: "x" }, user);
    await expectError(over, 400, "limit_exceeded");
    const update = await call("PUT", varsPath(user, "VAR_0"), { value: "new" }, user);
    expect(update.status).toBe(200);
  });
});
