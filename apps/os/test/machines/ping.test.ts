import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client.ts";
import { findMachine } from "../../src/db/machines.ts";
import { keyringFromEnv } from "../../src/keyring.ts";
import { daemonSecretAad } from "../../src/machines/fetch-for-instance.ts";
import { Browser, call, createToken, expectError, signUp } from "../helpers.ts";
import { currentMachine, daemonPing, deliverPing, machineInStatus, sendPing } from "./support.ts";

/** A signed-up instance whose daemon has pinged the relay (not yet the platform). */
async function pingingMachine(label: string) {
  const user = await signUp(label);
  const machine = await currentMachine(user.instance.id);
  const ping = await daemonPing(machine.id);
  const body = JSON.parse(ping.body) as { machineId: string; secret: string; version: string };
  return { user, machine, ping, body };
}

const otherSecret = (secret: string) =>
  `${secret.slice(0, 10)}${secret[10] === "A" ? "B" : "A"}${secret.slice(11)}`;

describe("POST /api/machine/ping", () => {
  it("stores the daemon secret encrypted with the machine id as AAD, then accepts the same secret again", async () => {
    const { machine, ping, body } = await pingingMachine("ping-store");
    expect((await sendPing(ping.authorization, ping.body)).status).toBe(200);
    const row = await findMachine(createDb(env.DB), machine.id);
    expect(row?.daemonSecretEncrypted).toMatch(/^v1\./);
    expect(row?.daemonSecretEncrypted).not.toContain(body.secret);
    const keyring = await keyringFromEnv(env);
    expect(
      await keyring.decrypt(row?.daemonSecretEncrypted ?? "", daemonSecretAad(machine.id)),
    ).toBe(body.secret);
    await expect(
      keyring.decrypt(row?.daemonSecretEncrypted ?? "", daemonSecretAad("mch_other")),
    ).rejects.toThrow();
    expect(row?.daemonVersion).toBe(body.version);

    // A restarted daemon re-pings with the same secret: accepted, and a ready machine stays ready.
    await machineInStatus(machine.id, "ready");
    const again = await sendPing(ping.authorization, ping.body);
    expect(again.status).toBe(200);
    expect((await findMachine(createDb(env.DB), machine.id))?.status).toBe("ready");
  });

  it("refuses a different secret once one is stored (409) and shows it on the Machines page", async () => {
    const { user, machine, ping, body } = await pingingMachine("ping-conflict");
    await deliverPing(machine.id);
    const forged = JSON.stringify({ ...body, secret: otherSecret(body.secret) });
    await expectError(await sendPing(ping.authorization, forged), 409, "conflict");
    const row = await findMachine(createDb(env.DB), machine.id);
    expect(row?.pingConflictAt).not.toBeNull();
    const keyring = await keyringFromEnv(env);
    expect(
      await keyring.decrypt(row?.daemonSecretEncrypted ?? "", daemonSecretAad(machine.id)),
    ).toBe(body.secret);

    const browser = new Browser();
    await browser.page("/login");
    await browser.submit("/login", { email: user.email, password: user.password });
    const html = await browser.page(`/instances/${user.instance.id}/machines/panel`);
    expect(html).toContain("A ping with a different secret was refused");
  });

  it("refuses a missing, malformed, user or unknown token with 401", async () => {
    const { user, ping } = await pingingMachine("ping-tokens");
    await expectError(await sendPing("", ping.body), 401, "unauthorized");
    await expectError(await sendPing("Bearer nope", ping.body), 401, "unauthorized");
    await expectError(
      await sendPing(`Bearer ${await createToken(user)}`, ping.body),
      401,
      "unauthorized",
    );
    const [, token] = ping.authorization.split(" ");
    const wrongSecret = `${token?.slice(0, -4)}AAAA`;
    await expectError(await sendPing(`Bearer ${wrongSecret}`, ping.body), 401, "unauthorized");
  });

  it("refuses one machine's token for another machine (401), also across instances", async () => {
    const a = await pingingMachine("ping-a");
    const b = await pingingMachine("ping-b");
    const bodyForB = JSON.stringify({ ...a.body, machineId: b.machine.id });
    await expectError(await sendPing(a.ping.authorization, bodyForB), 401, "unauthorized");
    expect((await findMachine(createDb(env.DB), b.machine.id))?.daemonSecretEncrypted).toBeNull();
  });

  it("answers 400 for a malformed body and 413 for an oversized one", async () => {
    const { ping, body } = await pingingMachine("ping-body");
    await expectError(await sendPing(ping.authorization, "{not json"), 400, "invalid_json");
    await expectError(
      await sendPing(ping.authorization, JSON.stringify({ ...body, secret: "short" })),
      400,
      "validation_failed",
    );
    await expectError(
      await sendPing(ping.authorization, JSON.stringify({ ...body, pad: "x".repeat(10_000) })),
      413,
      "payload_too_large",
    );
  });

  it("refuses the token of a machine replaced by a rebuild (401)", async () => {
    const { user, machine, ping } = await pingingMachine("ping-rebuilt");
    const res = await call(
      "POST",
      `/api/instances/${user.instance.id}/machines/rebuild`,
      undefined,
      {
        cookie: user.cookie,
      },
    );
    expect(res.status).toBe(202);
    await expectError(await sendPing(ping.authorization, ping.body), 401, "unauthorized");
    expect((await findMachine(createDb(env.DB), machine.id))?.status).toBe("archived");
  });
});
