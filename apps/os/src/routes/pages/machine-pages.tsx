/** Dashboard: an instance's Machines page, its live panel and Rebuild. */
import { AppError } from "@iterate/contract";
import { type Context, Hono } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { createDb } from "../../db/client.ts";
import { listMachinesForInstance } from "../../db/machines.ts";
import { instanceObject } from "../../machines/instance-do.ts";
import { DEFAULT_PING_TIMEOUT, STEP_CONFIG } from "../../machines/machine-workflow.ts";
import {
  type LivePing,
  MachinePanel,
  type MachinePanelProps,
  MachinesPage,
} from "../../ui/pages/machines-page.tsx";
import { pingMachine } from "../machines.ts";
import { formAction, layoutProps } from "./page-context.ts";

async function panelProps(c: Context<AppEnv>): Promise<MachinePanelProps> {
  const instanceId = c.var.instance.id;
  // The outbox lives in the instance's Durable Object; the panel renders without it.
  const waiting = instanceObject(c.env, instanceId)
    .outboxStatus()
    .catch(() => null);
  let { current, history } = await listMachinesForInstance(createDb(c.env.DB), instanceId);
  let ping: LivePing | null = null;
  if (current?.status === "ready") {
    ping = await pingMachine(c.env, instanceId).then(
      (answer) => ({ ok: true as const, ping: answer }),
      (error: unknown) => ({
        ok: false as const,
        message: error instanceof AppError ? error.message : "The daemon did not answer.",
      }),
    );
    if (!ping.ok) {
      // A machine whose sandbox turned out gone was failed by the ping: shown as it is now, with
      // its error, and no live ping of a machine that is not ready any more.
      ({ current, history } = await listMachinesForInstance(createDb(c.env.DB), instanceId));
      if (current?.status !== "ready") ping = null;
    }
  }
  return {
    instanceId,
    current,
    history,
    ping,
    slackWaiting: await waiting.then((outbox) => (outbox && outbox.depth > 0 ? outbox : null)),
    csrfToken: c.var.csrfToken,
    timeouts: {
      creating: STEP_CONFIG["create-sandbox"].timeout,
      starting: c.env.MACHINE_PING_TIMEOUT || DEFAULT_PING_TIMEOUT,
      bootstrapping: STEP_CONFIG.bootstrap.timeout,
    },
  };
}

/** Mounted at `/instances/:instanceId/machines` behind `requireUser()` + `instanceAccess()`. */
export const machinePages = new Hono<AppEnv>()
  .get("/", async (c) => c.html(<MachinesPage {...layoutProps(c)} panel={await panelProps(c)} />))
  .get("/panel", async (c) => {
    layoutProps(c); // signed-in people only, like the page itself
    return c.html(<MachinePanel {...(await panelProps(c))} />);
  })
  .post("/rebuild", (c) => {
    const back = `/instances/${c.var.instance.id}/machines`;
    return formAction(c, back, async () => {
      const machine = await instanceObject(c.env, c.var.instance.id).rebuild(c.var.instance.id);
      return `Rebuilding: ${machine.id} is being created.`;
    });
  });
