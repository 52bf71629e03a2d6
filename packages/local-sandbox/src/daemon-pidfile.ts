import { execFileSync } from "node:child_process";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { z } from "zod";

const pidfileSchema = z.object({
  daemons: z.array(
    z.object({ id: z.string(), pid: z.number().int().positive(), home: z.string() }),
  ),
});
type PidfileEntry = z.infer<typeof pidfileSchema>["daemons"][number];

/** The daemons this service runs, mirrored to a file so the next run can find leftovers. */
export interface DaemonPidfile {
  add(entry: PidfileEntry): void;
  remove(id: string): void;
}

/** Options of {@link openDaemonPidfile}. */
export interface DaemonPidfileOptions {
  /** e.g. `<root>/daemons.json` */
  file: string;
  /** How long a leftover daemon gets between SIGTERM and SIGKILL. */
  graceMs: number;
  log: (line: string) => void;
}

/**
 * Stops the daemons a previous run of the service left behind, then starts a fresh pidfile.
 * Leftovers are rare (a daemon exits when the service that started it dies, see
 * `ITERATE_EXIT_WITH_PARENT`), but one stuck in shutdown, or started by a daemon build without
 * that watch, would hold its port and HOME forever. A recorded pid is signalled only while its
 * command line still names that sandbox's HOME, so a recycled pid is never hit.
 *
 * @example
 * const pidfile = await openDaemonPidfile({ file: join(root, "daemons.json"), graceMs: 5000, log });
 * pidfile.add({ id, pid, home });
 */
export async function openDaemonPidfile(options: DaemonPidfileOptions): Promise<DaemonPidfile> {
  const stale = readEntries(options.file).filter(
    (entry) => isAlive(entry.pid) && commandLine(entry.pid)?.includes(entry.home),
  );
  await Promise.all(stale.map((entry) => stopStale(entry, options.graceMs)));
  for (const entry of stale)
    options.log(`local-sandbox: stopped ${entry.id} left by a previous run`);

  const entries = new Map<string, PidfileEntry>();
  const write = () => {
    // Atomic replace: a crash mid-write must not lose the record of what is still running.
    const temp = `${options.file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify({ daemons: [...entries.values()] }, null, 2)}\n`);
    renameSync(temp, options.file);
  };
  write();
  return {
    add(entry) {
      entries.set(entry.id, entry);
      write();
    },
    remove(id) {
      if (entries.delete(id)) write();
    },
  };
}

function readEntries(file: string): PidfileEntry[] {
  try {
    return pidfileSchema.parse(JSON.parse(readFileSync(file, "utf8"))).daemons;
  } catch {
    return []; // none yet, or unreadable: nothing to clean up that can be trusted
  }
}

async function stopStale(entry: PidfileEntry, graceMs: number): Promise<void> {
  signal(entry.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(entry.pid) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  if (isAlive(entry.pid)) signal(entry.pid, "SIGKILL");
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/**
 * True while `pid` runs. A zombie (exited, not yet reaped by whoever adopted it) counts as gone:
 * `kill(pid, 0)` still succeeds for it.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S …"; comm may hold spaces and parentheses, so take the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    // On Linux the entry went between the two calls: gone. Elsewhere (no /proc, macOS)
    // kill(pid, 0) is all there is.
    return process.platform !== "linux";
  }
}

function commandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    try {
      return execFileSync("ps", ["-o", "args=", "-p", String(pid)], { encoding: "utf8" });
    } catch {
      return null;
    }
  }
}
