/** Machines repository (read side for now; the machine lifecycle writes come with the Workflow). */
import { desc, eq } from "drizzle-orm";
import type { Db } from "./client.ts";
import { type MachineRow, machines } from "./schema.ts";

const LIVE = new Set<MachineRow["status"]>(["creating", "starting", "bootstrapping", "ready"]);

/**
 * The instance's live machine (at most one, by the partial unique index) and the earlier ones,
 * newest first.
 * @example const { current, history } = await listMachinesForInstance(db, instance.id);
 */
export async function listMachinesForInstance(
  db: Db,
  instanceId: string,
): Promise<{ current: MachineRow | null; history: MachineRow[] }> {
  const rows = await db
    .select()
    .from(machines)
    .where(eq(machines.instanceId, instanceId))
    .orderBy(desc(machines.createdAt), desc(machines.id));
  const current = rows.find((m) => LIVE.has(m.status)) ?? null;
  return { current, history: rows.filter((m) => m !== current) };
}
