/**
 * The machine lifecycle end to end: the real worker, real local-sandbox, real daemons that ping
 * the platform for real — sign-up → ready → fetchForInstance → rebuild → env hot reload.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningPlatform, startPlatform } from "../browser/start-platform.ts";
import {
  daemonInstanceEnv,
  eventually,
  isAlive,
  processEnv,
  sandboxOf,
  signUp,
} from "./support.ts";

let platform: RunningPlatform;
beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(async () => {
  await platform?.stop();
});

describe("machines end to end (local provider)", () => {
  it("sign-up → ready, and the platform reaches the daemon through fetchForInstance", async () => {
    const user = await signUp(platform, "e2e-ready");
    const machine = await user.ready();
    const res = await user.api("GET", "/machines/current/ping");
    expect(res.status).toBe(200);
    const { ping } = (await res.json()) as { ping: { machineId: string; uptimeMs: number } };
    expect(ping.machineId).toBe(machine.id);
  });

  it("rebuild → the old daemon process is gone and its token refused; the new one is ready", async () => {
    const user = await signUp(platform, "e2e-rebuild");
    const old = await user.ready();
    const oldSandbox = await sandboxOf(platform, old.id);
    if (!oldSandbox) throw new Error("no sandbox for the machine");
    const oldEnv = await processEnv(oldSandbox.pid);
    expect(oldEnv.ITERATE_MACHINE_ID).toBe(old.id);

    const res = await user.api("POST", "/machines/rebuild");
    expect(res.status).toBe(202);
    await eventually("the old daemon to exit", async () =>
      (await isAlive(oldSandbox.pid)) ? undefined : true,
    );

    // The old machine's token, taken from the old daemon's own env, no longer works.
    const replay = await fetch(new URL("/api/machine/ping", platform.worker.url), {
      method: "POST",
      headers: {
        authorization: `Bearer ${oldEnv.ITERATE_MACHINE_TOKEN}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ machineId: old.id, secret: "A".repeat(43), version: "x" }),
    });
    expect(replay.status).toBe(401);

    const next = await user.ready(old.id);
    expect(next.id).not.toBe(old.id);
    const { history } = await user.machines();
    expect(history.map((m) => [m.id, m.status])).toContainEqual([old.id, "archived"]);
  });

  it("two concurrent rebuilds make one new machine", async () => {
    const user = await signUp(platform, "e2e-twice");
    const old = await user.ready();
    const answers = await Promise.all([
      user.api("POST", "/machines/rebuild"),
      user.api("POST", "/machines/rebuild"),
    ]);
    const ids = await Promise.all(
      answers.map(async (r) => ((await r.json()) as { machine: { id: string } }).machine.id),
    );
    expect(new Set(ids).size).toBe(1);
    const next = await user.ready(old.id);
    expect(next.id).toBe(ids[0]);
    const { history } = await user.machines();
    expect(history).toHaveLength(1);
  });

  it("instance env vars reach the daemon by signed push, never its own process env", async () => {
    const user = await signUp(platform, "e2e-env-start");
    const first = await user.ready();
    await user.api("PUT", "/env-vars/NODE_OPTIONS", { value: "--max-old-space-size=64" });
    await user.api("PUT", "/env-vars/OLD_SECRET", { value: "to-be-deleted" });
    expect((await user.api("POST", "/machines/rebuild")).status).toBe(202);
    const machine = await user.ready(first.id);
    const sandbox = await sandboxOf(platform, machine.id);
    if (!sandbox) throw new Error("no sandbox for the machine");
    const own = await processEnv(sandbox.pid);
    expect(own.ITERATE_MACHINE_ID).toBe(machine.id);
    expect(own.NODE_OPTIONS).toBeUndefined();
    expect(own.OLD_SECRET).toBeUndefined();
    expect(await daemonInstanceEnv(platform, sandbox.id)).toEqual({
      NODE_OPTIONS: "--max-old-space-size=64",
      OLD_SECRET: "to-be-deleted",
    });
    expect((await user.api("DELETE", "/env-vars/OLD_SECRET")).status).toBe(204);
    expect(await daemonInstanceEnv(platform, sandbox.id)).toEqual({
      NODE_OPTIONS: "--max-old-space-size=64",
    });
  });

  it("an env var change reaches the ready machine without a restart", async () => {
    const user = await signUp(platform, "e2e-env");
    const machine = await user.ready();
    const sandbox = await sandboxOf(platform, machine.id);
    if (!sandbox) throw new Error("no sandbox for the machine");
    const put = await user.api("PUT", "/env-vars/DEPLOY_TARGET", { value: "staging" });
    expect(await put.json()).toMatchObject({ machine: { env: "pushed" } });
    expect(await daemonInstanceEnv(platform, sandbox.id)).toEqual({ DEPLOY_TARGET: "staging" });

    const del = await user.api("DELETE", "/env-vars/DEPLOY_TARGET");
    expect(del.status).toBe(204);
    expect(await daemonInstanceEnv(platform, sandbox.id)).toEqual({});
    // Same process throughout: hot reload, not a restart.
    expect((await sandboxOf(platform, machine.id))?.pid).toBe(sandbox.pid);
    expect(await isAlive(sandbox.pid)).toBe(true);
  });
});
