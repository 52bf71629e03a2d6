import { spawn } from "node:child_process";
import { realpath } from "node:fs/promises";
import { Type } from "@mariozechner/pi-ai";
import { commandOutputScrubber } from "../../env/env-scrub.ts";
import { type CommandGroups, signalGroup } from "./command-groups.ts";
import { createOutputCollector } from "./output-cap.ts";
import { type ToolContext, textResult, type WorkspaceTool } from "./tool-context.ts";

/** Default and largest time-out of one command, in seconds. */
export const DEFAULT_COMMAND_TIMEOUT_S = 60;
export const MAX_COMMAND_TIMEOUT_S = 600;
/** After SIGTERM, how long a command's process group gets before SIGKILL. */
const KILL_GRACE_MS = 2000;

const parameters = Type.Object({
  command: Type.String({ description: "A bash command line, run in the workspace root" }),
  timeout_seconds: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_COMMAND_TIMEOUT_S,
      description: `Kill the command after this long; default ${DEFAULT_COMMAND_TIMEOUT_S}`,
    }),
  ),
});

/** Options beyond the context: tests shorten the time-out. */
export interface RunCommandOptions {
  defaultTimeoutSeconds?: number;
  /** Where each command's process group is remembered, for the daemon's shutdown. */
  groups?: CommandGroups;
}

/**
 * `run_command`: `bash -c <command>` in the workspace with the machine env (never the daemon's
 * own), stdin closed, stdout and stderr interleaved and capped (head and tail kept, the cut
 * said). The command runs in its own process group, so a time-out or a Stop kills everything it
 * started. A non-zero exit or a time-out is an error result the model reads (with the output),
 * not the end of the run.
 *
 * @example createRunCommandTool(ctx).execute("t1", { command: "pnpm test" })
 */
export function createRunCommandTool(
  ctx: ToolContext,
  options: RunCommandOptions = {},
): WorkspaceTool<typeof parameters> {
  const defaultTimeout = options.defaultTimeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_S;
  // One per tool (a run): its secret forms are built at most once, when first needed.
  const scrubbing = commandOutputScrubber(ctx.env);
  return {
    name: "run_command",
    label: "Run command",
    description:
      `Run a shell command (bash -c) in the workspace root and get its output and exit code. ` +
      `Times out after ${defaultTimeout} s unless timeout_seconds says otherwise; no stdin.`,
    parameters,
    async execute(_id, { command, timeout_seconds = defaultTimeout }, signal) {
      const cwd = await realpath(ctx.workspaceDir);
      const started = performance.now();
      // Scrubbed of the instance's named secrets: an `env` or a `curl -v` would otherwise carry
      // them into the model, the session's stream and the Slack thread.
      const output = createOutputCollector(undefined, scrubbing);
      const child = spawn("bash", ["-c", command], {
        cwd,
        env: ctx.env,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      if (child.pid) options.groups?.add(child.pid);
      child.stdout.on("data", output.push);
      child.stderr.on("data", output.push);
      let timedOut = false;
      let aborted = false;
      const killGroup = (sig: NodeJS.Signals) => {
        if (child.pid) signalGroup(child.pid, sig);
      };
      const stop = () => {
        killGroup("SIGTERM");
        setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS).unref();
      };
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, timeout_seconds * 1000);
      const onAbort = () => {
        aborted = true;
        stop();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      // Aborted while the command was being set up: the listener came too late to hear it.
      if (signal?.aborted) onAbort();
      const { code, sig, spawnError } = await new Promise<{
        code: number | null;
        sig: NodeJS.Signals | null;
        spawnError?: Error;
      }>((resolve) => {
        child.once("error", (error) => resolve({ code: null, sig: null, spawnError: error }));
        // `close`, not `exit`: all output is read by then.
        child.once("close", (code, sig) => resolve({ code, sig }));
      });
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      // Children that ignored the group's SIGTERM and kept the pipes open are gone by now;
      // any left in the background get the same end.
      if (timedOut || aborted) killGroup("SIGKILL");
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const text = output.text();
      const details = { command, exitCode: code, signal: sig, timedOut, seconds: Number(seconds) };
      if (spawnError) throw new Error(`could not start bash: ${spawnError.message}`);
      if (aborted) throw new Error(`command stopped (the run was aborted)\n${text}`);
      if (timedOut) {
        throw new Error(
          `command timed out after ${timeout_seconds} s and was killed; ` +
            `pass a larger timeout_seconds (at most ${MAX_COMMAND_TIMEOUT_S}) or run it in the background\n` +
            `output before the time-out:\n${text}`,
        );
      }
      const status = code === null ? `killed by ${sig}` : `exit code ${code}`;
      const body = `${text}${text.endsWith("\n") || text === "" ? "" : "\n"}[${status}, ${seconds} s]`;
      if (code !== 0) throw new Error(body);
      return textResult(body, details);
    },
  };
}
