/**
 * One JSON call to the instance's machine through a `MachineFetch` (fetchForInstance), its
 * answer validated with a contract schema. Failures are AppErrors a page can show: the daemon's
 * 404 is `not_found` (with the caller's words), anything else it answers or a machine that
 * cannot be reached is `upstream_error` (502) with the daemon's own message; no ready machine
 * is fetchForInstance's `MachineNotReadyError` (503 `machine_not_ready`).
 */
import { AppError } from "@iterate/contract";
import type { z } from "zod";
import type { MachineFetch } from "./fetch-for-instance.ts";

/** How long a call may take by default (the daemon's control routes answer at once). */
const CALL_TIMEOUT_MS = 15_000;

/** Options of {@link callMachine}. */
export interface MachineCall {
  method?: string;
  json?: unknown;
  /** The `not_found` message for a 404 (default "Not found on the machine."). */
  notFound?: string;
  timeoutMs?: number;
}

/**
 * @example const { sessions } = await callMachine(fetchForInstance(env, id), listSchema, "/agents-api/sessions");
 */
export async function callMachine<T extends z.ZodType>(
  machine: MachineFetch,
  schema: T,
  url: string,
  init: MachineCall = {},
): Promise<z.output<T>> {
  let res: Response;
  try {
    res = await machine(url, {
      method: init.method ?? "GET",
      headers: {
        accept: "application/json",
        ...(init.json === undefined ? {} : { "content-type": "application/json" }),
      },
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
      signal: AbortSignal.timeout(init.timeoutMs ?? CALL_TIMEOUT_MS),
    });
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("upstream_error", "The machine could not be reached.", 502);
  }
  if (res.status === 404) {
    await res.body?.cancel();
    throw new AppError("not_found", init.notFound ?? "Not found on the machine.");
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
    throw new AppError(
      "upstream_error",
      `The machine answered ${res.status}${typeof message === "string" ? `: ${message}` : "."}`,
      502,
    );
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new AppError("upstream_error", "The machine's answer was not understood.", 502);
  }
  return parsed.data;
}
