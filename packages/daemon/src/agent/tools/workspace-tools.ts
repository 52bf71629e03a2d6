import { envScrubber } from "../../env/env-scrub.ts";
import { createEditFileTool } from "./edit-file.ts";
import { createListFilesTool } from "./list-files.ts";
import { createReadFileTool } from "./read-file.ts";
import { createRunCommandTool, type RunCommandOptions } from "./run-command.ts";
import { createSearchTool } from "./search-files.ts";
import type { ToolContext, WorkspaceTool } from "./tool-context.ts";
import { createWriteFileTool } from "./write-file.ts";

/**
 * The agent's tools, all working in `ctx.workspaceDir` with `ctx.env`: read_file, write_file,
 * edit_file, list_files, search, run_command. No Slack tool: the final answer goes to the
 * thread by itself.
 *
 * What they return is scrubbed of the instance's secrets (`envScrubber`, secret-like values): a
 * command's `env`, a `.env` file read, an error quoting a token would otherwise carry them into
 * the model's context, the session's stream and the Slack thread. Commands still get the values
 * in their env; the model reads `${NAME}` instead.
 *
 * @example const tools = createWorkspaceTools({ workspaceDir, env: machineEnv.runEnv() });
 */
export function createWorkspaceTools(
  ctx: ToolContext,
  options: RunCommandOptions = {},
): WorkspaceTool[] {
  const scrub = envScrubber(ctx.env, "secret-like");
  const tools = [
    createReadFileTool(ctx),
    createWriteFileTool(ctx),
    createEditFileTool(ctx),
    createListFilesTool(ctx),
    createSearchTool(ctx),
    createRunCommandTool(ctx, options),
  ] as unknown as WorkspaceTool[];
  return tools.map((tool) => withScrubbedOutput(tool, scrub));
}

/** `tool` with the text of its results, its progress updates and its errors scrubbed. */
function withScrubbedOutput(tool: WorkspaceTool, scrub: (text: string) => string): WorkspaceTool {
  const clean = <R extends { content: Array<{ type: string }> }>(result: R): R => ({
    ...result,
    content: result.content.map((part) =>
      part.type === "text" && "text" in part ? { ...part, text: scrub(String(part.text)) } : part,
    ),
  });
  return {
    ...tool,
    async execute(id, params, signal, onUpdate) {
      try {
        const result = await tool.execute(
          id,
          params,
          signal,
          onUpdate && ((partial) => onUpdate(clean(partial))),
        );
        return clean(result);
      } catch (error) {
        if (error instanceof Error) error.message = scrub(error.message);
        throw error;
      }
    },
  };
}
