/**
 * `pnpm --filter @iterate/os rotate-keys` against the real worker: an env var sealed under the
 * old key is re-sealed by the command, and the platform still reveals it after
 * ENCRYPTION_KEY_PREVIOUS is dropped — three runs of the worker over one persisted D1.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { startPlatformWorker } from "../browser/start-worker.ts";

const script = path.resolve(import.meta.dirname, "../scripts/rotate-keys.mjs");

function runScript(url: URL, adminToken: string) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [script, "--url", url.href], {
      env: { ...process.env, ADMIN_TOKEN: adminToken },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}

describe("pnpm rotate-keys", () => {
  it("re-seals envelopes of the previous key so the platform works without it", async () => {
    const oldKey = randomBytes(32).toString("base64");
    const newKey = randomBytes(32).toString("base64");
    const adminToken = randomBytes(32).toString("base64url");

    const before = await startPlatformWorker({ encryptionKey: oldKey });
    const { persistDir } = before;
    let cookie = "";
    let instanceId = "";
    try {
      const signup = await fetch(new URL("/api/auth/signup", before.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          email: `rotate-${Date.now()}@example.com`,
          password: "long enough pw",
        }),
      });
      expect(signup.status).toBe(201);
      cookie = (signup.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
      instanceId = ((await signup.json()) as { instance: { id: string } }).instance.id;
      const put = await fetch(new URL(`/api/instances/${instanceId}/env-vars/SEALED`, before.url), {
        method: "PUT",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify({ value: "under the old key" }),
      });
      expect(put.status).toBe(200);
    } finally {
      await before.stop({ keepData: true });
    }

    const rotating = await startPlatformWorker({
      encryptionKey: newKey,
      persistDir,
      vars: { ENCRYPTION_KEY_PREVIOUS: oldKey, ADMIN_TOKEN: adminToken },
    });
    try {
      const refused = await runScript(rotating.url, "not-the-admin-token");
      expect(refused.code).toBe(2);
      const run = await runScript(rotating.url, adminToken);
      expect(run.output).toMatch(/re-sealed under key/);
      expect(run.output).toMatch(/ENCRYPTION_KEY_PREVIOUS can be removed/);
      expect(run.code).toBe(0);
    } finally {
      await rotating.stop({ keepData: true });
    }

    const after = await startPlatformWorker({ encryptionKey: newKey, persistDir });
    try {
      const reveal = await fetch(
        new URL(`/api/instances/${instanceId}/env-vars/SEALED`, after.url),
        {
          headers: { cookie },
        },
      );
      expect(reveal.status).toBe(200);
      expect(await reveal.json()).toMatchObject({ envVar: { value: "under the old key" } });
    } finally {
      await after.stop();
    }
  });
});
