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
 * @example const tools = createWorkspaceTools({ workspaceDir, env: machineEnv.runEnv() });
 */
export function createWorkspaceTools(
  ctx: ToolContext,
  options: RunCommandOptions = {},
): WorkspaceTool[] {
  return [
    createReadFileTool(ctx),
    createWriteFileTool(ctx),
    createEditFileTool(ctx),
    createListFilesTool(ctx),
    createSearchTool(ctx),
    createRunCommandTool(ctx, options),
  ] as unknown as WorkspaceTool[];
}
