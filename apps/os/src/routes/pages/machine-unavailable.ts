/**
 * How a dashboard page shows a machine it cannot ask: no ready machine (`MachineNotReadyError`)
 * or one that did not answer sensibly (`upstream_error`, with the machine's own words) becomes
 * the page's state — `MachineUnavailable` in the UI — rather than an error page.
 */
import { AppError } from "@iterate/contract";
import { MachineNotReadyError } from "../../machines/fetch-for-instance.ts";
import type { MachineUnavailableState } from "../../ui/components.tsx";

/**
 * @example
 * const unavailable = machineUnavailable(error);
 * if (!unavailable) throw error;
 */
export function machineUnavailable(error: unknown): MachineUnavailableState | null {
  if (error instanceof MachineNotReadyError) {
    return { ok: false, reason: "not_ready", message: error.message };
  }
  if (error instanceof AppError && error.code === "upstream_error") {
    return { ok: false, reason: "unreachable", message: error.message };
  }
  return null;
}
