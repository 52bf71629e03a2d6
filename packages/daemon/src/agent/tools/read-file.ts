import { stat } from "node:fs/promises";
import { Type } from "@mariozechner/pi-ai";
import { capOutput, DEFAULT_OUTPUT_CAP_BYTES } from "./output-cap.ts";
import { readRegularFile } from "./regular-file.ts";
import { type ToolContext, textResult, type WorkspaceTool } from "./tool-context.ts";
import { resolveWorkspacePath } from "./workspace-path.ts";

const DEFAULT_LINES = 2000;
// Read at most this much of a file before slicing lines: a huge file never fills memory.
const MAX_READ_BYTES = 8 * 1024 * 1024;

const parameters = Type.Object({
  path: Type.String({ description: "File path, relative to the workspace root" }),
  offset: Type.Optional(
    Type.Integer({ minimum: 1, description: "First line to show (1-based); default 1" }),
  ),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, description: `Number of lines; default ${DEFAULT_LINES}` }),
  ),
});

/**
 * `read_file`: a text file's lines (a window of them for big files), capped at 16 KiB with a
 * note saying how to read on. Directories, devices and binary files are errors the model sees.
 *
 * @example createReadFileTool({ workspaceDir, env }).execute("t1", { path: "README.md" })
 */
export function createReadFileTool(ctx: ToolContext): WorkspaceTool<typeof parameters> {
  return {
    name: "read_file",
    label: "Read file",
    description:
      "Read a text file in the workspace. Long files: pass offset/limit (lines) to page through.",
    parameters,
    async execute(_id, { path, offset = 1, limit = DEFAULT_LINES }) {
      const { real, shown } = await resolveWorkspacePath(ctx.workspaceDir, path);
      const info = await stat(real).catch(() => null);
      if (!info) throw new Error(`${shown} does not exist`);
      if (info.isDirectory()) throw new Error(`${shown} is a directory; use list_files`);
      // FIFOs and devices would block or never end.
      if (!info.isFile()) throw new Error(`${shown} is not a regular file`);
      // Read from what was opened, not what `stat` saw: a link or FIFO swapped in meanwhile.
      const read = await readRegularFile(real, MAX_READ_BYTES);
      if (!read) throw new Error(`${shown} is not a regular file`);
      const buffer = read.bytes;
      if (buffer.includes(0)) throw new Error(`${shown} is a binary file (${info.size} bytes)`);
      const lines = buffer.toString("utf8").split("\n");
      const start = Math.min(offset, lines.length) - 1;
      const window = lines.slice(start, start + limit);
      const end = start + window.length;
      let text = window.join("\n");
      const notes: string[] = [];
      if (start > 0 || end < lines.length) {
        notes.push(`lines ${start + 1}–${end} of ${lines.length}`);
      }
      if (info.size > MAX_READ_BYTES) {
        notes.push(`only the first ${MAX_READ_BYTES} of ${info.size} bytes were read`);
      }
      if (Buffer.byteLength(text) > DEFAULT_OUTPUT_CAP_BYTES) {
        notes.push("output capped; pass a smaller limit or a later offset to see the middle");
        text = capOutput(text);
      }
      if (notes.length > 0) text += `\n[${shown}: ${notes.join("; ")}]`;
      return textResult(text, { path: shown, bytes: info.size, lines: lines.length });
    },
  };
}
