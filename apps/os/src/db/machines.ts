/**
 * Machines repository. Status changes are guarded transitions (`UPDATE … WHERE status IN (…)`),
 * so a step that runs late — a workflow retry, a ping after a rebuild — can never move an
 * archived or failed machine back to life.
 */
import { randomId } from "@iterate/contract";
import { and, desc, eq, inArray, notInArray } from "drizzle-orm";
import type { Db } from "./client.ts";
import { type MachineRow, type MachineStatus, machines } from "./schema.ts";

/** Statuses of a machine that is (becoming) the instance's machine; at most one row per instance. */
export const LIVE_STATUSES = ["creating", "starting", "bootstrapping", "ready"] as const;
const TERMINAL: MachineStatus[] = ["failed", "archived"];

/** True while the machine is (becoming) the instance's machine. */
export function isLive(machine: Pick<MachineRow, "status">): boolean {
  return (LIVE_STATUSES as readonly string[]).includes(machine.status);
}

/** How many earlier machines a listing shows (the Machines panel polls it every second). */
export const MACHINE_HISTORY_LIMIT = 25;

/**
 * The instance's live machine (at most one, by the partial unique index) and the most recent
 * earlier ones, newest first.
 * @example const { current, history } = await listMachinesForInstance(db, instance.id);
 */
export async function listMachinesForInstance(
  db: Db,
  instanceId: string,
): Promise<{ current: MachineRow | null; history: MachineRow[] }> {
  // The live machine is always among the newest rows: it is created after every earlier one.
  const rows = await db
    .select()
    .from(machines)
    .where(eq(machines.instanceId, instanceId))
    .orderBy(desc(machines.createdAt), desc(machines.id))
    .limit(MACHINE_HISTORY_LIMIT + 1);
  const current = rows.find(isLive) ?? null;
  const history = rows.filter((m) => m !== current).slice(0, MACHINE_HISTORY_LIMIT);
  return { current, history };
}

/** One machine by id, or null. */
export async function findMachine(db: Db, machineId: string): Promise<MachineRow | null> {
  const [row] = await db.select().from(machines).where(eq(machines.id, machineId)).limit(1);
  return row ?? null;
}

/** The instance's live machine, or null. */
export async function findLiveMachine(db: Db, instanceId: string): Promise<MachineRow | null> {
  const [row] = await db
    .select()
    .from(machines)
    .where(and(eq(machines.instanceId, instanceId), notInArray(machines.status, TERMINAL)))
    .limit(1);
  return row ?? null;
}

/**
 * Inserts a new `creating` machine. Fails on the partial unique index when the instance still
 * has a live machine — callers archive it first.
 */
export async function insertMachine(
  db: Db,
  input: { instanceId: string; provider: MachineRow["provider"]; now?: Date },
): Promise<MachineRow> {
  const now = input.now ?? new Date();
  const id = randomId("mch");
  const [row] = await db
    .insert(machines)
    .values({
      id,
      instanceId: input.instanceId,
      provider: input.provider,
      status: "creating",
      workflowInstanceId: id,
      createdAt: now,
      updatedAt: now,
      statusChangedAt: now,
    })
    .returning();
  return row as MachineRow;
}

/** Columns a transition may set besides the status. */
export type MachinePatch = Partial<
  Omit<MachineRow, "id" | "instanceId" | "provider" | "status" | "createdAt">
>;

/**
 * Moves a machine to `to` if its status is one of `from`; returns the updated row, or null when
 * it was in another status (e.g. archived meanwhile) and nothing changed.
 * @example await transitionMachine(db, id, ["starting"], "bootstrapping");
 */
export async function transitionMachine(
  db: Db,
  machineId: string,
  from: readonly MachineStatus[],
  to: MachineStatus,
  patch: MachinePatch = {},
): Promise<MachineRow | null> {
  const now = new Date();
  const [row] = await db
    .update(machines)
    .set({ ...patch, status: to, updatedAt: now, statusChangedAt: now })
    .where(and(eq(machines.id, machineId), inArray(machines.status, [...from])))
    .returning();
  return row ?? null;
}

/** Sets columns without changing the status (only while the machine is live). */
export async function updateLiveMachine(
  db: Db,
  machineId: string,
  patch: MachinePatch,
): Promise<MachineRow | null> {
  const [row] = await db
    .update(machines)
    .set({ ...patch, updatedAt: new Date() })
    .where(and(eq(machines.id, machineId), notInArray(machines.status, TERMINAL)))
    .returning();
  return row ?? null;
}
