import { stat } from "node:fs/promises";
import { Type } from "@mariozechner/pi-ai";
import { openRegularFile, readWhole, replaceContent } from "./regular-file.ts";
import { type ToolContext, textResult, type WorkspaceTool } from "./tool-context.ts";
import { resolveWorkspacePath } from "./workspace-path.ts";

/** Larger files are edited with commands: a whole-file replace would hold them twice over. */
const MAX_EDIT_BYTES = 8 * 1024 * 1024;

const parameters = Type.Object({
  path: Type.String({ description: "File path, relative to the workspace root" }),
  old_text: Type.String({ description: "Exact text to replace (whitespace included)" }),
  new_text: Type.String({ description: "Replacement text" }),
  replace_all: Type.Optional(
    Type.Boolean({ description: "Replace every occurrence instead of exactly one" }),
  ),
});

/**
 * `edit_file`: exact string replacement. Fails — for the model to correct — when `old_text` is
 * absent or occurs more than once (unless `replace_all`), so an edit never lands somewhere the
 * model did not mean.
 *
 * @example createEditFileTool(ctx).execute("t1", { path: "a.ts", old_text: "foo", new_text: "bar" })
 */
export function createEditFileTool(ctx: ToolContext): WorkspaceTool<typeof parameters> {
  return {
    name: "edit_file",
    label: "Edit file",
    description:
      "Replace exact text in a file. old_text must occur exactly once (include surrounding lines to make it unique), or set replace_all.",
    parameters,
    async execute(_id, { path, old_text, new_text, replace_all = false }) {
      const { real, shown } = await resolveWorkspacePath(ctx.workspaceDir, path);
      const info = await stat(real).catch(() => null);
      if (!info) throw new Error(`${shown} does not exist; use write_file to create it`);
      if (!info.isFile()) throw new Error(`${shown} is not a regular file`);
      if (old_text === "") throw new Error("old_text is empty; use write_file to replace a file");
      // One descriptor from the read to the write: a link or FIFO swapped in meanwhile is not followed.
      const file = await openRegularFile(real, "edit");
      if (!file) throw new Error(`${shown} is not a regular file`);
      let count: number;
      try {
        // The size at the open only spares reading a file already too large; readWhole holds the bound.
        const bytes =
          file.size > MAX_EDIT_BYTES
            ? null
            : await readWhole(file.handle, MAX_EDIT_BYTES, file.size);
        if (!bytes) {
          throw new Error(`${shown} is over ${MAX_EDIT_BYTES} bytes; edit it with run_command`);
        }
        const before = bytes.toString("utf8");
        count = before.split(old_text).length - 1;
        if (count === 0) {
          throw new Error(
            `old_text was not found in ${shown}; read the file again and copy the text exactly`,
          );
        }
        if (count > 1 && !replace_all) {
          throw new Error(
            `old_text occurs ${count} times in ${shown}; include more surrounding text so it is unique, or set replace_all`,
          );
        }
        const after = replace_all
          ? before.split(old_text).join(new_text)
          : before.replace(old_text, () => new_text);
        await replaceContent(file.handle, after);
      } finally {
        await file.handle.close();
      }
      const replaced = replace_all ? count : 1;
      return textResult(`replaced ${replaced} occurrence${replaced === 1 ? "" : "s"} in ${shown}`, {
        path: shown,
        replaced,
      });
    },
  };
}
