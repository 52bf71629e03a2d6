/**
 * `machineAuth()` authenticates the machine-facing routes (the LLM and Slack proxies):
 * `Authorization: Bearer itk_…` must be a live `machine` token whose machine still exists, belongs
 * to the token's instance and is live (not `failed` or `archived`). Sets `machine` and
 * `machineTokenId`. Everything else — no header, garbage, a user token, a revoked token, an
 * archived machine's token — is the same `401 unauthorized`, so a token learns nothing.
 */
import { AppError, bearerToken } from "@iterate/contract";
import type { MiddlewareHandler } from "hono";
import { authenticateAccessToken } from "../db/access-tokens.ts";
import { createDb } from "../db/client.ts";
import { findMachine, isLive } from "../db/machines.ts";
import type { MachineRow } from "../db/schema.ts";

/** Context variables set by {@link machineAuth}. */
export type MachineAuthVariables = {
  /** The caller's live machine (its `instanceId` is the instance acted for). */
  machine: MachineRow;
  /** The `tok_…` id of the machine token presented. */
  machineTokenId: string;
};

const UNAUTHORIZED = "The machine token is invalid, revoked, or its machine is no longer live.";

/**
 * @example api.use("/slack/*", machineAuth()); // then c.var.machine.instanceId
 */
export function machineAuth(): MiddlewareHandler<{
  Bindings: Env;
  Variables: MachineAuthVariables;
}> {
  return async function machineAuth(c, next) {
    const db = createDb(c.env.DB);
    const token = bearerToken(c.req.header("authorization"));
    const row = token ? await authenticateAccessToken(db, token) : null;
    if (row?.kind !== "machine" || !row.machineId) throw new AppError("unauthorized", UNAUTHORIZED);
    const machine = await findMachine(db, row.machineId);
    if (!machine || machine.instanceId !== row.instanceId || !isLive(machine)) {
      throw new AppError("unauthorized", UNAUTHORIZED);
    }
    c.set("machine", machine);
    c.set("machineTokenId", row.id);
    await next();
  };
}
