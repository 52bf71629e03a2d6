/**
 * `/api/instances/:instanceId/machines`: the current machine and its history, rebuild, and the
 * ready machine's live answer to `GET /platform/ping` (signed, to the instance's ready machine).
 * Behind `apiAuth()` + `instanceAccess()`, so another instance's machines are 404.
 */
import { AppError, errorBodySchema, platformPingResponseSchema } from "@iterate/contract";
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { createDb } from "../db/client.ts";
import { findLiveMachine, listMachinesForInstance } from "../db/machines.ts";
import { MachineNotReadyError, signedFetch } from "../machines/fetch-for-instance.ts";
import { instanceObject } from "../machines/instance-do.ts";
import { withVerdict } from "../machines/machine-health.ts";
import { machineJson } from "./serialize.ts";

/**
 * The ready machine's `/platform/ping`, or a 502 when the daemon does not answer properly — with
 * what the provider says of its sandbox when no daemon answered at all (machine-health.ts: a
 * sandbox that is gone fails the machine). Throws `MachineNotReadyError` (503) when no machine
 * is ready.
 */
export async function pingMachine(env: AppEnv["Bindings"], instanceId: string) {
  const machine = await findLiveMachine(createDb(env.DB), instanceId);
  if (machine?.status !== "ready") {
    throw new MachineNotReadyError(instanceId, machine?.status ?? null);
  }
  const res = await signedFetch(env, machine)("/platform/ping", {
    signal: AbortSignal.timeout(5_000),
  }).catch(async (error: unknown) => {
    if (error instanceof AppError) throw error;
    const failed = "The machine's daemon did not answer.";
    throw new AppError("upstream_error", await withVerdict(failed, env, machine));
  });
  const body: unknown = await res.json().catch(() => null);
  const parsed = platformPingResponseSchema.safeParse(body);
  if (res.ok && parsed.success) return parsed.data;
  const answered = `The machine's daemon answered ${res.status}.`;
  // Not the daemon's own error body: the provider's proxy answered for a sandbox it cannot reach.
  if (errorBodySchema.safeParse(body).success) throw new AppError("upstream_error", answered);
  throw new AppError("upstream_error", await withVerdict(answered, env, machine));
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
