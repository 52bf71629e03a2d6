/**
 * LLM usage repository: tokens through the proxy per instance, machine and UTC day. Rows only
 * ever grow, by single-statement upserts, so concurrent requests of one machine add up instead of
 * overwriting each other.
 */
import { and, desc, eq, gte, sql } from "drizzle-orm";
import type { Db } from "./client.ts";
import { llmUsage } from "./schema.ts";

/** Token counts of one LLM call (or of a sum of them). */
export type TokenUsage = { inputTokens: number; outputTokens: number; totalTokens: number };

/** One UTC day of an instance's usage, all its machines together. */
export type UsageDay = TokenUsage & { day: string; requests: number };

/**
 * Adds one request and its tokens (none when the upstream reported no usage) to the day's row of
 * the machine, creating it on the day's first request.
 * @example await recordLlmUsage(db, { instanceId, machineId, day: "2026-05-01", usage });
 */
export async function recordLlmUsage(
  db: Db,
  input: {
    instanceId: string;
    machineId: string;
    day: string;
    usage: TokenUsage | null;
    now?: Date;
  },
): Promise<void> {
  const usage = input.usage ?? { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  const now = input.now ?? new Date();
  await db
    .insert(llmUsage)
    .values({
      instanceId: input.instanceId,
      machineId: input.machineId,
      day: input.day,
      requests: 1,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      totalTokens: usage.totalTokens,
      updatedAt: now,
    })
    .onConflictDoUpdate({
      target: [llmUsage.instanceId, llmUsage.machineId, llmUsage.day],
      set: {
        requests: sql`${llmUsage.requests} + 1`,
        inputTokens: sql`${llmUsage.inputTokens} + excluded.input_tokens`,
        outputTokens: sql`${llmUsage.outputTokens} + excluded.output_tokens`,
        totalTokens: sql`${llmUsage.totalTokens} + excluded.total_tokens`,
        updatedAt: now,
      },
    });
}

/** What the budget check needs: the instance's own cap setting and its tokens so far today (read by db/machine-tokens.ts). */
export type BudgetState = { instanceCap: number | null; used: number };

/**
 * The instance's usage per day since `fromDay` (inclusive), newest first; days without any
 * request are absent.
 */
export async function listUsageByDay(
  db: Db,
  instanceId: string,
  fromDay: string,
): Promise<UsageDay[]> {
  const rows = await db
    .select({
      day: llmUsage.day,
      requests: sql<number>`sum(${llmUsage.requests})`,
      inputTokens: sql<number>`sum(${llmUsage.inputTokens})`,
      outputTokens: sql<number>`sum(${llmUsage.outputTokens})`,
      totalTokens: sql<number>`sum(${llmUsage.totalTokens})`,
    })
    .from(llmUsage)
    .where(and(eq(llmUsage.instanceId, instanceId), gte(llmUsage.day, fromDay)))
    .groupBy(llmUsage.day)
    .orderBy(desc(llmUsage.day));
  return rows.map((r) => ({
    day: r.day,
    requests: Number(r.requests),
    inputTokens: Number(r.inputTokens),
    outputTokens: Number(r.outputTokens),
    totalTokens: Number(r.totalTokens),
  }));
}
