import { env, introspectWorkflow } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { listMachinesForInstance } from "../../src/db/machines.ts";
import { accessTokens } from "../../src/db/schema.ts";
import { fetchForInstance, MachineNotReadyError } from "../../src/machines/fetch-for-instance.ts";
import { Browser, call, expectError, signUp } from "../helpers.ts";
import {
  currentMachine,
  db,
  deliverPing,
  eventually,
  localSandbox,
  machineInStatus,
  readyInstance,
  rebuild,
} from "./support.ts";

let introspector: Awaited<ReturnType<typeof introspectWorkflow>> | undefined;
afterEach(async () => {
  await introspector?.dispose();
  introspector = undefined;
});

type MachineJson = { id: string; status: string; archivedAt: string | null; error: string | null };

describe("rebuild", () => {
  it("archives the ready machine (token revoked, sandbox deleted) and starts a new one (202)", async () => {
    const { user, machine: old } = await readyInstance("rebuild-one");
    const res = await call(
      "POST",
      `/api/instances/${user.instance.id}/machines/rebuild`,
      undefined,
      {
        cookie: user.cookie,
      },
    );
    expect(res.status).toBe(202);
    const { machine } = (await res.json()) as { machine: MachineJson };
    expect(machine.id).not.toBe(old.id);
    expect(machine.status).toBe("creating");

    const list = await call("GET", `/api/instances/${user.instance.id}/machines`, undefined, {
      cookie: user.cookie,
    });
    const body = (await list.json()) as { current: MachineJson; history: MachineJson[] };
    expect(body.current.id).toBe(machine.id);
    expect(body.history.map((m) => [m.id, m.status])).toEqual([[old.id, "archived"]]);
    expect(body.history[0]?.archivedAt).not.toBeNull();

    const tokens = await db().select().from(accessTokens).where(eq(accessTokens.machineId, old.id));
    expect(tokens.every((t) => t.revokedAt !== null)).toBe(true);
    expect((await localSandbox(`/sandboxes/${old.externalId}`)).status).toBe(404);

    await deliverPing(machine.id);
    await machineInStatus(machine.id, "ready");
    const ping = await fetchForInstance(env, user.instance.id)("/platform/ping");
    expect(await ping.json()).toMatchObject({ machineId: machine.id });
  });

  it("a rebuild while the machine is still creating leaves no sandbox or token of it behind", async () => {
    const user = await signUp("rebuild-creating");
    const first = await currentMachine(user.instance.id);
    expect(first.status).toBe("creating");
    expect((await rebuild(user)).status).toBe(202);
    // The first machine's create-sandbox step finishes its provider call, sees the machine
    // archived and deletes what it made.
    await eventually("the first machine's sandbox to be gone", async () => {
      const res = await localSandbox(
        `/sandboxes?label=${encodeURIComponent(`iterate.machine=${first.id}`)}`,
      );
      const { sandboxes } = (await res.json()) as { sandboxes: { state: string }[] };
      return sandboxes.some((s) => s.state === "running" || s.state === "starting")
        ? undefined
        : true;
    });
    const tokens = await db()
      .select()
      .from(accessTokens)
      .where(eq(accessTokens.machineId, first.id));
    expect(tokens.every((t) => t.revokedAt !== null)).toBe(true);
  });

  it("coalesces two concurrent rebuilds into one new machine and one workflow", async () => {
    const { user, machine: old } = await readyInstance("rebuild-twice");
    introspector = await introspectWorkflow(env.MACHINE_WORKFLOW);
    const rebuild = () =>
      call("POST", `/api/instances/${user.instance.id}/machines/rebuild`, undefined, {
        cookie: user.cookie,
      });
    const [a, b] = await Promise.all([rebuild(), rebuild()]);
    const ids = await Promise.all(
      [a, b].map(async (r) => ((await r.json()) as { machine: MachineJson }).machine.id),
    );
    expect(ids[0]).toBe(ids[1]);
    const { current, history } = await listMachinesForInstance(db(), user.instance.id);
    expect(current?.id).toBe(ids[0]);
    expect(history.map((m) => m.id)).toEqual([old.id]);
    expect(introspector.get()).toHaveLength(1);
  });

  it("works from the dashboard's Rebuild button (CSRF-protected form)", async () => {
    const { user, machine: old } = await readyInstance("rebuild-form");
    const browser = new Browser();
    await browser.page("/login");
    await browser.submit("/login", { email: user.email, password: user.password });
    const base = `/instances/${user.instance.id}/machines`;
    expect(await browser.page(base)).toContain("Rebuild machine");
    const forged = await browser.submit(`${base}/rebuild`, {}, "not-the-token");
    expect(forged.status).toBe(403);
    expect((await currentMachine(user.instance.id)).id).toBe(old.id);
    const res = await browser.submit(`${base}/rebuild`, {});
    expect(res.status).toBe(303);
    const next = await eventually("a new machine", async () => {
      const m = await currentMachine(user.instance.id);
      return m.id !== old.id ? m : undefined;
    });
    const panel = await browser.page(`${base}/panel`);
    expect(panel).toContain(next.id);
    expect(panel).toContain(old.id);
  });

  it("is 404 for another instance, and fetchForInstance refuses an instance with no ready machine", async () => {
    const owner = await signUp("rebuild-owner");
    const stranger = await signUp("rebuild-stranger");
    const res = await call(
      "POST",
      `/api/instances/${owner.instance.id}/machines/rebuild`,
      undefined,
      {
        cookie: stranger.cookie,
      },
    );
    await expectError(res, 404, "not_found");
    const machine = await currentMachine(owner.instance.id);
    expect(machine.status).not.toBe("ready");
    await expect(fetchForInstance(env, owner.instance.id)("/platform/ping")).rejects.toBeInstanceOf(
      MachineNotReadyError,
    );
    await expectError(
      await call("GET", `/api/instances/${owner.instance.id}/machines/current/ping`, undefined, {
        cookie: owner.cookie,
      }),
      503,
      "machine_not_ready",
    );
  });
});
