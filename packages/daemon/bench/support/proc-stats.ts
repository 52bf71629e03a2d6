/** What a benchmark reads about a server process from /proc (Linux). */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";

/** CPU time (user + system, all threads) a process has used so far, in µs (Linux). */
export function cpuMicrosOf(pid: number | undefined): number {
  // Fields 14 and 15 of /proc/<pid>/stat, counted after the ")" that ends the command name.
  // "pid (comm) S …": comm may hold ") ", so the fields start after the last ")".
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * (1e6 / CLOCK_TICKS_PER_SECOND);
}
const CLOCK_TICKS_PER_SECOND = 100;

/** Resident set size of a process in MB (Linux). */
export async function rssOf(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}
