import { describe, expect, it } from "vitest";
import { findInstanceById } from "../../src/db/instances.ts";
import { findMachine } from "../../src/db/machines.ts";
import { Browser, call } from "../helpers.ts";
import { db, localSandbox, readyInstance } from "./support.ts";

const varPath = (instanceId: string, name: string) =>
  `/api/instances/${instanceId}/env-vars/${name}`;

describe("env changes reach the ready machine", () => {
  it("pushes the full env with signed PUT /platform/env on set and delete; the machine records the version", async () => {
    const { user, machine } = await readyInstance("env-push");
    const put = await call("PUT", varPath(user.instance.id, "GREETING"), { value: "hello" }, user);
    expect(await put.json()).toMatchObject({ machine: { env: "pushed" } });
    const instance = await findInstanceById(db(), user.instance.id);
    expect((await findMachine(db(), machine.id))?.envVersion).toBe(instance?.envVersion);

    const del = await call("DELETE", varPath(user.instance.id, "GREETING"), undefined, user);
    expect(del.status).toBe(204);
    const after = await findInstanceById(db(), user.instance.id);
    expect(after?.envVersion).toBe((instance?.envVersion ?? 0) + 1);
    expect((await findMachine(db(), machine.id))?.envVersion).toBe(after?.envVersion);
  });

  it("a push that fails (the daemon is gone) leaves the machine marked out of date on the Env vars page", async () => {
    const { user, machine } = await readyInstance("env-stale");
    const browser = new Browser();
    await browser.page("/login");
    await browser.submit("/login", { email: user.email, password: user.password });
    const page = `/instances/${user.instance.id}/env-vars`;
    expect(await browser.page(page)).toContain('data-machine-env="current"');

    // The sandbox goes away behind the platform's back: the value is stored, the push fails, and
    // the page says so instead of pretending.
    const { externalId } = (await findMachine(db(), machine.id)) ?? {};
    const stopped = await localSandbox(`/sandboxes/${externalId}`, { method: "DELETE" });
    expect(stopped.status).toBe(204);
    const put = await call("PUT", varPath(user.instance.id, "LATER"), { value: "v" }, user);
    expect(await put.json()).toMatchObject({ machine: { env: "failed" } });
    expect(await browser.page(page)).toContain('data-machine-env="stale"');
    const row = await findMachine(db(), machine.id);
    expect(row?.status).toBe("ready");
  });
});
