/**
 * `machineAuth()` authenticates the machine-facing routes (ping, the LLM and Slack proxies):
 * `Authorization: Bearer itk_…` must be a live `machine` token whose machine still exists, belongs
 * to the token's instance and is live (not `failed` or `archived`). Sets `machine`,
 * `machineTokenId` and `machineBudget`. Everything else — no header, garbage, a user token, a
 * revoked token, an archived machine's token — is the same `401 unauthorized`, so a token learns
 * nothing.
 *
 * One D1 query per request (db/machine-tokens.ts), never cached across requests: archiving a
 * machine or revoking its token takes effect on the next request. The `last_used_at` touch (at
 * most once a minute) runs after the answer when the runtime allows.
 */
import { AppError, bearerToken } from "@iterate/contract";
import type { Context, MiddlewareHandler } from "hono";
import { touchLastUsed } from "../db/access-tokens.ts";
import { createDb } from "../db/client.ts";
import type { BudgetState } from "../db/llm-usage.ts";
import { authenticateMachineToken } from "../db/machine-tokens.ts";
import type { MachineRow } from "../db/schema.ts";

/** Context variables set by {@link machineAuth}. */
export type MachineAuthVariables = {
  /** The caller's live machine (its `instanceId` is the instance acted for). */
  machine: MachineRow;
  /** The `tok_…` id of the machine token presented. */
  machineTokenId: string;
  /** The instance's budget state on the day `budgetDay` named; null when none was asked for. */
  machineBudget: BudgetState | null;
};

/** Options of {@link machineAuth}. */
export type MachineAuthOptions = {
  /**
   * The UTC day (`YYYY-MM-DD`) whose LLM usage to read in the same query, for routes that check
   * the daily budget (the LLM proxy); omitted, no usage is read.
   */
  budgetDay?: (c: Context) => string;
};

/** The one 401 message for every refused machine token (routes refusing more use it too). */
export const MACHINE_UNAUTHORIZED =
  "The machine token is invalid, revoked, or its machine is no longer live.";

/**
 * @example api.use("/slack/*", machineAuth()); // then c.var.machine.instanceId
 */
export function machineAuth(options: MachineAuthOptions = {}): MiddlewareHandler<{
  Bindings: Env;
  Variables: MachineAuthVariables;
}> {
  return async function machineAuth(c, next) {
    const db = createDb(c.env.DB);
    const presented = bearerToken(c.req.header("authorization"));
    const now = new Date();
    const auth = presented
      ? await authenticateMachineToken(db, presented, { usageDay: options.budgetDay?.(c), now })
      : null;
    if (!auth) throw new AppError("unauthorized", MACHINE_UNAUTHORIZED);
    c.set("machine", auth.machine);
    c.set("machineTokenId", auth.token.id);
    c.set("machineBudget", auth.budget);
    const touched = touchLastUsed(db, auth.token, now);
    if (touched) await afterAnswer(c, touched);
    await next();
  };
}

/** Hands `work` to `waitUntil`, or awaits it where there is no execution context (`app.request`). */
async function afterAnswer(c: Context, work: Promise<unknown>): Promise<void> {
  const logged = work.catch((error: unknown) => {
    console.error("machine token use not recorded", error instanceof Error ? error.name : "");
  });
  let ctx: { waitUntil(promise: Promise<unknown>): void } | undefined;
  try {
    ctx = c.executionCtx;
  } catch {
    ctx = undefined;
  }
  if (ctx) ctx.waitUntil(logged);
  else await logged;
}
