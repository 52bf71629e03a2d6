import { stat } from "node:fs/promises";
import { Type } from "@mariozechner/pi-ai";
import { globToRegExp } from "./glob.ts";
import { type ToolContext, textResult, type WorkspaceTool } from "./tool-context.ts";
import { walkWorkspace } from "./walk.ts";
import { resolveWorkspacePath } from "./workspace-path.ts";

const MAX_ENTRIES = 500;
// Entries examined while filtering by a pattern, so a glob over a huge tree still ends.
const MAX_SCANNED = 20_000;

const parameters = Type.Object({
  path: Type.Optional(
    Type.String({ description: "Directory to list; default the workspace root" }),
  ),
  pattern: Type.Optional(
    Type.String({ description: 'Glob filter, e.g. "src/**/*.ts" or "*.md"; default everything' }),
  ),
});

/**
 * `list_files`: the files below a directory (recursive; `.git` and `node_modules` skipped),
 * optionally filtered by a glob, at most 500 lines with a note when there are more.
 *
 * @example createListFilesTool(ctx).execute("t1", { pattern: "**\/*.ts" })
 */
export function createListFilesTool(ctx: ToolContext): WorkspaceTool<typeof parameters> {
  return {
    name: "list_files",
    label: "List files",
    description:
      "List files in a workspace directory, recursively (skips .git and node_modules). Directories end with /.",
    parameters,
    async execute(_id, { path = ".", pattern }) {
      const { real, shown } = await resolveWorkspacePath(ctx.workspaceDir, path);
      const info = await stat(real).catch(() => null);
      if (!info?.isDirectory()) throw new Error(`${shown} is not a directory`);
      const matcher = pattern ? globToRegExp(pattern) : null;
      const lines: string[] = [];
      let more = false;
      for await (const entry of walkWorkspace(real, { max: MAX_SCANNED })) {
        if (matcher && (entry.dir || !matcher.test(entry.path))) continue;
        if (lines.length === MAX_ENTRIES) {
          more = true;
          break;
        }
        lines.push(entry.dir ? `${entry.path}/` : entry.path);
      }
      if (lines.length === 0) return textResult(`(no files${pattern ? ` match ${pattern}` : ""})`);
      if (more) lines.push(`[more than ${MAX_ENTRIES} entries; narrow the path or pattern]`);
      return textResult(lines.join("\n"), { path: shown, entries: lines.length });
    },
  };
}
