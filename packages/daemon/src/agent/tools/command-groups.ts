/**
 * The process groups of the agents' commands (`run_command` starts each in its own), kept so a
 * stopping daemon can end what they left running in the background — `npm run dev &` outlives
 * its command, and would outlive the daemon and its sandbox's deletion too.
 */
export interface CommandGroups {
  /** Remembers the group led by `pid` (forgetting groups that are gone by now). */
  add(pid: number): void;
  /** SIGKILLs every remembered group still there; how many. */
  killAll(): number;
}

/** @example const groups = createCommandGroups(); groups.add(child.pid); … groups.killAll(); */
export function createCommandGroups(): CommandGroups {
  const groups = new Set<number>();
  return {
    add(pid) {
      for (const group of groups) if (!signalGroup(group, 0)) groups.delete(group);
      groups.add(pid);
    },
    killAll() {
      let killed = 0;
      for (const group of groups) if (signalGroup(group, "SIGKILL")) killed++;
      groups.clear();
      return killed;
    },
  };
}

/** Sends `sig` (0: only asks) to the process group led by `pid`; false when it is gone. */
export function signalGroup(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false; // gone (ESRCH)
  }
}
