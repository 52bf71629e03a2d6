import { mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { Type } from "@mariozechner/pi-ai";
import { openRegularFile, replaceContent } from "./regular-file.ts";
import { type ToolContext, textResult, type WorkspaceTool } from "./tool-context.ts";
import { resolveWorkspacePath } from "./workspace-path.ts";

const parameters = Type.Object({
  path: Type.String({ description: "File path, relative to the workspace root" }),
  content: Type.String({ description: "The file's complete new content" }),
});

/**
 * `write_file`: creates or replaces a file (parent directories created), inside the workspace.
 *
 * @example createWriteFileTool(ctx).execute("t1", { path: "notes.md", content: "# hi\n" })
 */
export function createWriteFileTool(ctx: ToolContext): WorkspaceTool<typeof parameters> {
  return {
    name: "write_file",
    label: "Write file",
    description:
      "Create or overwrite a file in the workspace with the given content (creates parent directories).",
    parameters,
    async execute(_id, { path, content }) {
      const { real, shown } = await resolveWorkspacePath(ctx.workspaceDir, path);
      const existing = await stat(real).catch(() => null);
      if (existing?.isDirectory()) throw new Error(`${shown} is a directory`);
      await mkdir(dirname(real), { recursive: true });
      const file = await openRegularFile(real, "create");
      if (!file) throw new Error(`${shown} is not a regular file`);
      try {
        await replaceContent(file.handle, content);
      } finally {
        await file.handle.close();
      }
      const bytes = Buffer.byteLength(content);
      const verb = existing ? "overwrote" : "created";
      return textResult(`${verb} ${shown} (${bytes} bytes)`, { path: shown, bytes });
    },
  };
}
