/**
 * `/api/instances/:instanceId/machines`: the current machine and its history, rebuild, and the
 * ready machine's live answer to `GET /platform/ping` (through `fetchForInstance`).
 * Behind `apiAuth()` + `instanceAccess()`, so another instance's machines are 404.
 */
import { AppError, platformPingResponseSchema } from "@iterate/contract";
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { createDb } from "../db/client.ts";
import { listMachinesForInstance } from "../db/machines.ts";
import { fetchForInstance } from "../machines/fetch-for-instance.ts";
import { instanceObject } from "../machines/instance-do.ts";
import { machineJson } from "./serialize.ts";

/**
 * The ready machine's `/platform/ping`, or a 502 when the daemon does not answer properly.
 * Throws `MachineNotReadyError` (503) when no machine is ready.
 */
export async function pingMachine(env: AppEnv["Bindings"], instanceId: string) {
  const res = await fetchForInstance(env, instanceId)("/platform/ping", {
    signal: AbortSignal.timeout(5_000),
  }).catch((error: unknown) => {
    if (error instanceof AppError) throw error;
    throw new AppError("upstream_error", "The machine's daemon did not answer.");
  });
  const parsed = platformPingResponseSchema.safeParse(await res.json().catch(() => null));
  if (!res.ok || !parsed.success) {
    throw new AppError("upstream_error", `The machine's daemon answered ${res.status}.`);
  }
  return parsed.data;
}

/** Mounted at `/api/instances/:instanceId/machines`. */
export const machineRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const { current, history } = await listMachinesForInstance(
      createDb(c.env.DB),
      c.var.instance.id,
    );
    return c.json({ current: current && machineJson(current), history: history.map(machineJson) });
  })
  .post("/rebuild", async (c) => {
    const machine = await instanceObject(c.env, c.var.instance.id).rebuild(c.var.instance.id);
    return c.json({ machine: machineJson(machine) }, 202);
  })
  .get("/current/ping", async (c) => {
    c.header("cache-control", "no-store");
    return c.json({ ping: await pingMachine(c.env, c.var.instance.id) });
  });
