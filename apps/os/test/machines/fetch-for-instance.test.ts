import { env } from "cloudflare:test";
import { verifyRequest } from "@iterate/contract";
import { describe, expect, it } from "vitest";
import { transitionMachine, updateLiveMachine } from "../../src/db/machines.ts";
import { keyringFromEnv } from "../../src/keyring.ts";
import {
  daemonSecretAad,
  fetchForInstance,
  MachineNotReadyError,
  providerHeadersAad,
} from "../../src/machines/fetch-for-instance.ts";
import { signUp } from "../helpers.ts";
import { currentMachine, db, machineInStatus, machinesContext } from "./support.ts";

const SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I";

type Echo = { method: string; path: string; headers: Record<string, string>; body: string };

/**
 * A ready machine whose "daemon" is the relay's echo endpoint: what fetchForInstance sends is
 * exactly what comes back. Its real sandbox is left to the workflow (this row is re-pointed).
 */
async function echoMachine(label: string) {
  const user = await signUp(label);
  // Once `starting`, the workflow waits for a ping and leaves the row alone.
  const machine = await machineInStatus((await currentMachine(user.instance.id)).id, "starting");
  const keyring = await keyringFromEnv(env);
  await updateLiveMachine(db(), machine.id, {
    daemonUrl: machinesContext().relayUrl,
    daemonSecretEncrypted: await keyring.encrypt(SECRET, daemonSecretAad(machine.id)),
    providerHeadersEncrypted: await keyring.encrypt(
      JSON.stringify({ "x-daytona-preview-token": "preview-123" }),
      providerHeadersAad(machine.id),
    ),
  });
  await transitionMachine(db(), machine.id, ["starting"], "ready");
  return { user, machine, fetch: fetchForInstance(env, user.instance.id) };
}

describe("fetchForInstance", () => {
  it("signs method, path + query exactly as sent and the body hash, and adds the provider's headers", async () => {
    const { machine, fetch } = await echoMachine("ffi-sign");
    const body = JSON.stringify({ hello: "machine" });
    const res = await fetch("/echo/agents/s1?offset=-1&live=long-poll", { method: "POST", body });
    const echo = (await res.json()) as Echo;
    expect(echo.path).toBe("/echo/agents/s1?offset=-1&live=long-poll");
    expect(echo.body).toBe(body);
    expect(echo.headers["x-daytona-preview-token"]).toBe("preview-123");
    const verified = await verifyRequest({
      token: echo.headers.authorization,
      secret: SECRET,
      machineId: machine.id,
      method: "POST",
      url: echo.path,
      body,
    });
    expect(verified.ok).toBe(true);
    // The same token with another body or path fails: the signature binds both.
    for (const [url, b] of [
      [echo.path, "{}"],
      ["/echo/agents/s2?offset=-1&live=long-poll", body],
    ] as const) {
      const tampered = await verifyRequest({
        token: echo.headers.authorization,
        secret: SECRET,
        machineId: machine.id,
        method: "POST",
        url,
        body: b,
      });
      expect(tampered.ok).toBe(false);
    }
  });

  it("signs every request anew (no token is reused) and overrides a caller's Authorization", async () => {
    const { fetch } = await echoMachine("ffi-fresh");
    const one = (await (
      await fetch("/echo/a", { headers: { authorization: "Bearer mine" } })
    ).json()) as Echo;
    const two = (await (await fetch("/echo/a")).json()) as Echo;
    expect(one.headers.authorization).not.toBe("Bearer mine");
    expect(one.headers.authorization).not.toBe(two.headers.authorization);
  });

  it("never follows a redirect and never signs for another host", async () => {
    const { fetch } = await echoMachine("ffi-redirect");
    const res = await fetch("/redirect/x");
    expect(res.status).toBe(307);
    await expect(fetch("https://evil.example/echo/x")).rejects.toThrow(/only reaches the machine/);
    await expect(fetch("//evil.example/echo/x")).rejects.toThrow(/only reaches the machine/);
  });

  it("refuses paths that URL parsing would rewrite to another route (dot segments, backslashes)", async () => {
    const { fetch } = await echoMachine("ffi-dots");
    for (const path of [
      "/echo/agents/../platform/env",
      `/echo/agents/${encodeURIComponent("..")}/platform/env`,
      "/echo/agents/%2e%2e/platform/env",
      "/echo/agents/%2E./x",
      "/echo/./x",
      "/.//x",
      "echo/../x",
      "/echo\\..\\x",
    ]) {
      await expect(fetch(path), path).rejects.toThrow(/dot segments or backslashes/);
    }
    // URL parsing drops tabs and newlines anywhere, and controls and spaces at the ends, so
    // each of these would be signed and sent as /echo/platform/env (or /platform/env).
    for (const path of [
      "/echo/agents/.\t./platform/env",
      "/echo/agents/.\n./platform/env",
      "/echo/agents/\r../platform/env",
      " ../platform/env",
      "\u0000/echo/x",
      "/echo/x\u007f",
      "https://machine.example/echo/agents/.\t./platform/env",
    ]) {
      await expect(fetch(path), JSON.stringify(path)).rejects.toThrow(/control characters/);
    }
    // Dots inside a segment are fine.
    const res = await fetch("/echo/agents/v1.2/..hidden");
    expect(((await res.json()) as Echo).path).toBe("/echo/agents/v1.2/..hidden");
  });

  it("throws MachineNotReadyError for an instance without a ready machine or an unknown one", async () => {
    const user = await signUp("ffi-not-ready");
    const error = await fetchForInstance(env, user.instance.id)("/platform/ping").catch((e) => e);
    expect(error).toBeInstanceOf(MachineNotReadyError);
    expect(error.status).toBe(503);
    expect(error.code).toBe("machine_not_ready");
    await expect(fetchForInstance(env, "ins_nope")("/platform/ping")).rejects.toBeInstanceOf(
      MachineNotReadyError,
    );
  });
});
