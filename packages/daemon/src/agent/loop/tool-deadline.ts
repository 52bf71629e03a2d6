import type { AgentError } from "@iterate/contract";
import type { AgentTool } from "@mariozechner/pi-agent-core";

/** A tool still running this long after its own limit is stuck; the run ends (`tool_timeout`). */
const TOOL_DEADLINE_GRACE_MS = 15_000;
const FILE_TOOL_DEADLINE_MS = 60_000;

/**
 * Bounds a tool's run: one that ignores its own limits (a read of a hung network mount) ends the
 * run as `tool_timeout` instead of hanging the session. `run_command` enforces its own time-out
 * first (an error the model reads, not fatal); this is the backstop behind it.
 *
 * @example const tools = createWorkspaceTools(ctx).map((t) => withDeadline(t, undefined, fail));
 */
export function withDeadline(
  tool: AgentTool,
  commandTimeoutSeconds: number | undefined,
  fail: (e: AgentError) => void,
): AgentTool {
  return {
    ...tool,
    async execute(id, params, signal, onUpdate) {
      const limitMs =
        tool.name === "run_command"
          ? ((params as { timeout_seconds?: number }).timeout_seconds ??
              commandTimeoutSeconds ??
              60) *
              1000 +
            TOOL_DEADLINE_GRACE_MS
          : FILE_TOOL_DEADLINE_MS;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const message = `The tool ${tool.name} did not finish within ${Math.round(limitMs / 1000)} s, so the run was stopped.`;
          fail({ code: "tool_timeout", message });
          reject(new Error(message));
        }, limitMs);
      });
      try {
        return await Promise.race([tool.execute(id, params, signal, onUpdate), deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
