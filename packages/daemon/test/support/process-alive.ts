import { readFileSync } from "node:fs";

/**
 * Whether a process is still running: signal 0 reaches it, and it is not a zombie (an orphan
 * whose new parent has not reaped it yet has exited all the same). Linux reads /proc; elsewhere
 * signal 0 is all there is.
 * @example await eventually(() => !processAlive(pid));
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    // "pid (comm) S …": comm may hold spaces and parentheses, so the state follows the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return process.platform !== "linux";
  }
}
