import { describe, expect, it } from "vitest";
import { findMachine } from "../../src/db/machines.ts";
import { SANDBOX_MISSING_ERROR } from "../../src/machines/machine-health.ts";
import { Browser, call, expectError } from "../helpers.ts";
import { db, localSandbox, readyInstance } from "./support.ts";

// A ready machine whose daemon does not answer: the provider is asked about its sandbox, and a
// sandbox that is gone fails the machine, so the Machines page stops showing `ready`.

async function readyWithSandbox(label: string) {
  const { user, machine } = await readyInstance(label);
  const row = await findMachine(db(), machine.id);
  if (!row?.externalId) throw new Error(`${machine.id} has no sandbox id`);
  return { user, machine: row, sandbox: `/sandboxes/${row.externalId}` };
}

describe("the live ping of a ready machine that does not answer", () => {
  it("fails the machine when its sandbox is gone, and the Machines page shows why", async () => {
    const { user, machine, sandbox } = await readyWithSandbox("lost-sandbox");
    expect((await localSandbox(sandbox, { method: "DELETE" })).status).toBe(204);

    const ping = await call(
      "GET",
      `/api/instances/${user.instance.id}/machines/current/ping`,
      undefined,
      {
        cookie: user.cookie,
      },
    );
    const message = await expectError(ping, 502, "upstream_error");
    expect(message).toBe(
      `The machine's daemon did not answer. ${SANDBOX_MISSING_ERROR} The machine was marked failed.`,
    );
    expect(await findMachine(db(), machine.id)).toMatchObject({
      status: "failed",
      error: SANDBOX_MISSING_ERROR,
    });
    const page = await Browser.signedIn(user.cookie).fetch(
      `/instances/${user.instance.id}/machines`,
    );
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("no longer exists at the provider");
  });

  it("leaves a machine whose sandbox only stopped to the user, saying what the provider reports", async () => {
    const { user, machine, sandbox } = await readyWithSandbox("stopped-sandbox");
    expect((await localSandbox(`${sandbox}/stop`, { method: "POST" })).status).toBe(200);
    const ping = await call(
      "GET",
      `/api/instances/${user.instance.id}/machines/current/ping`,
      undefined,
      {
        cookie: user.cookie,
      },
    );
    expect(await expectError(ping, 502, "upstream_error")).toBe(
      "The machine's daemon did not answer. The provider reports the machine's sandbox stopped; rebuild the machine to go on.",
    );
    expect((await findMachine(db(), machine.id))?.status).toBe("ready");
  });
});
