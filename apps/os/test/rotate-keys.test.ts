import { env } from "cloudflare:test";
import { createKeyring, envelopeKeyId, type Keyring } from "@iterate/contract";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { createDb } from "../src/db/client.ts";
import { envVarAad, setEnvVar } from "../src/db/env-vars.ts";
import { botTokenAad } from "../src/db/slack-installations.ts";
import type { ResealReport } from "../src/keys/reseal-envelopes.ts";
import { daemonSecretAad, providerHeadersAad } from "../src/machines/fetch-for-instance.ts";
import { expectError, ORIGIN, type SignedUp, signUp } from "./helpers.ts";

/** The key being rotated out (the suite's ENCRYPTION_KEY is the new, current one). */
const OLD_KEY = btoa(String.fromCharCode(...new Uint8Array(32).fill(3)));
/** A key no keyring here has: its envelopes cannot be opened, only reported. */
const LOST_KEY = btoa(String.fromCharCode(...new Uint8Array(32).fill(5)));
const ADMIN_TOKEN = "admin-token-of-at-least-32-characters!";

const keyring = (current: string, previous?: string) => createKeyring({ current, previous });

/** One of each envelope, sealed under `sealer`, for a fresh instance. */
async function seedEnvelopes(user: SignedUp, sealer: Keyring) {
  const db = createDb(env.DB);
  await setEnvVar(db, sealer, {
    instanceId: user.instance.id,
    name: "ROTATED",
    value: "env-value",
  });
  const machineId = `mch_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
  const teamId = `T${crypto.randomUUID().replaceAll("-", "").slice(0, 10).toUpperCase()}`;
  const now = Date.now();
  await env.DB.prepare(
    `insert into machines (id, instance_id, provider, status, daemon_secret_encrypted,
       provider_headers_encrypted, created_at, updated_at, status_changed_at)
     values (?, ?, 'local', 'archived', ?, ?, ?, ?, ?)`,
  )
    .bind(
      machineId,
      user.instance.id,
      await sealer.encrypt("daemon-secret", daemonSecretAad(machineId)),
      await sealer.encrypt('{"x-test":"1"}', providerHeadersAad(machineId)),
      now,
      now,
      now,
    )
    .run();
  await env.DB.prepare(
    `insert into slack_installations (team_id, instance_id, bot_token_encrypted, bot_user_id,
       created_at, updated_at) values (?, ?, ?, 'U1', ?, ?)`,
  )
    .bind(teamId, user.instance.id, await sealer.encrypt("xoxb-bot", botTokenAad(teamId)), now, now)
    .run();
  return { machineId, teamId };
}

/** The four envelopes of the seeded rows, with their AADs and plaintexts. */
async function readEnvelopes(user: SignedUp, ids: { machineId: string; teamId: string }) {
  const envRow = await env.DB.prepare(
    "select value_encrypted as v from env_vars where instance_id = ? and name = 'ROTATED'",
  )
    .bind(user.instance.id)
    .first<{ v: string }>();
  const machine = await env.DB.prepare(
    "select daemon_secret_encrypted as s, provider_headers_encrypted as h from machines where id = ?",
  )
    .bind(ids.machineId)
    .first<{ s: string; h: string }>();
  const slack = await env.DB.prepare(
    "select bot_token_encrypted as t from slack_installations where team_id = ?",
  )
    .bind(ids.teamId)
    .first<{ t: string }>();
  return [
    { envelope: envRow?.v, aad: envVarAad(user.instance.id, "ROTATED"), plain: "env-value" },
    { envelope: machine?.s, aad: daemonSecretAad(ids.machineId), plain: "daemon-secret" },
    { envelope: machine?.h, aad: providerHeadersAad(ids.machineId), plain: '{"x-test":"1"}' },
    { envelope: slack?.t, aad: botTokenAad(ids.teamId), plain: "xoxb-bot" },
  ] as { envelope: string; aad: string; plain: string }[];
}

function rotateRequest(
  vars: Record<string, string | undefined>,
  body: unknown,
  token = ADMIN_TOKEN,
) {
  return createApp().request(
    `${ORIGIN}/api/admin/rotate-keys`,
    {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    },
    { ...env, ...vars },
  );
}

/** Drives the admin route to the end, as `pnpm rotate-keys` does. */
async function rotateAll(vars: Record<string, string | undefined>): Promise<ResealReport[]> {
  const reports: ResealReport[] = [];
  let cursor: string | null = null;
  do {
    const res = await rotateRequest(vars, { cursor });
    expect(res.status, await res.clone().text()).toBe(200);
    const report = (await res.json()) as ResealReport;
    reports.push(report);
    cursor = report.cursor;
  } while (cursor && reports.length < 1000);
  return reports;
}

describe("completing a key rotation (POST /api/admin/rotate-keys)", () => {
  it("re-seals every envelope under the current key; they open once ENCRYPTION_KEY_PREVIOUS is gone", async () => {
    const user = await signUp("rotate-keys");
    const ids = await seedEnvelopes(user, await keyring(OLD_KEY));
    const current = await keyring(env.ENCRYPTION_KEY);
    const before = await readEnvelopes(user, ids);
    for (const { envelope } of before) expect(envelopeKeyId(envelope)).not.toBe(current.keyId);

    const reports = await rotateAll({ ENCRYPTION_KEY_PREVIOUS: OLD_KEY, ADMIN_TOKEN });
    expect(reports.every((r) => r.keyId === current.keyId)).toBe(true);
    expect(reports.reduce((n, r) => n + r.resealed, 0)).toBeGreaterThanOrEqual(4);

    for (const { envelope, aad, plain } of await readEnvelopes(user, ids)) {
      expect(envelopeKeyId(envelope)).toBe(current.keyId);
      expect(await current.decrypt(envelope, aad)).toBe(plain); // no previous key needed
    }
    // And through the platform itself, with ENCRYPTION_KEY_PREVIOUS dropped.
    const reveal = await createApp().request(
      `${ORIGIN}/api/instances/${user.instance.id}/env-vars/ROTATED`,
      { headers: { cookie: user.cookie } },
      { ...env, ENCRYPTION_KEY_PREVIOUS: undefined },
    );
    expect(await reveal.json()).toMatchObject({ envVar: { value: "env-value" } });
  });

  it("reports an envelope it cannot open (a key it lacks) and leaves it as it was", async () => {
    const user = await signUp("rotate-lost");
    const lost = await keyring(LOST_KEY);
    await setEnvVar(createDb(env.DB), lost, {
      instanceId: user.instance.id,
      name: "LOST",
      value: "gone",
    });
    const read = () =>
      env.DB.prepare(
        "select value_encrypted as v from env_vars where instance_id = ? and name = 'LOST'",
      )
        .bind(user.instance.id)
        .first<{ v: string }>();
    const before = await read();
    const reports = await rotateAll({ ENCRYPTION_KEY_PREVIOUS: OLD_KEY, ADMIN_TOKEN });
    const failures = reports.flatMap((r) => r.failed);
    expect(failures).toContainEqual({
      column: "env_vars.value",
      row: `${user.instance.id}/LOST`,
      reason: "Envelope was sealed with an unknown key",
    });
    expect((await read())?.v).toBe(before?.v);
    expect(JSON.stringify(failures)).not.toContain("gone");
  });

  it("is refused without the admin token (401), and absent when no ADMIN_TOKEN is set (404)", async () => {
    expect((await rotateRequest({ ADMIN_TOKEN }, {}, "wrong-token")).status).toBe(401);
    expect((await rotateRequest({ ADMIN_TOKEN: undefined }, {}, "anything")).status).toBe(404);
    // A short ADMIN_TOKEN does not enable the route either.
    expect((await rotateRequest({ ADMIN_TOKEN: "short" }, {}, "short")).status).toBe(404);
    expect((await rotateRequest({ ADMIN_TOKEN }, { cursor: 5 })).status).toBe(400);
  });

  it("answers a malformed body with a clear 4xx and re-seals nothing", async () => {
    const raw = (body: string, contentType = "application/json") =>
      createApp().request(
        `${ORIGIN}/api/admin/rotate-keys`,
        {
          method: "POST",
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": contentType },
          body,
        },
        { ...env, ADMIN_TOKEN },
      );
    await expectError(await raw("{not json"), 400, "invalid_json");
    await expectError(await raw("[]"), 400, "validation_failed");
    await expectError(await raw('{"cursor":null,"pages":99}'), 400, "validation_failed");
    await expectError(
      await raw("cursor=1:2", "application/x-www-form-urlencoded"),
      415,
      "unsupported_media_type",
    );
    await expectError(
      await raw(JSON.stringify({ pad: "x".repeat(300 * 1024) })),
      413,
      "payload_too_large",
    );
    // A cursor it never handed out is refused, not read as "start over".
    const message = await expectError(
      await rotateRequest({ ADMIN_TOKEN }, { cursor: "garbage" }),
      400,
      "validation_failed",
    );
    expect(message).toContain("cursor");
    // Well-formed but past the last column: it would answer "done" with nothing re-sealed.
    for (const cursor of ["999:0", "4:0"]) {
      await expectError(await rotateRequest({ ADMIN_TOKEN }, { cursor }), 400, "validation_failed");
    }
  });
});
