import { stat } from "node:fs/promises";
import { Type } from "@mariozechner/pi-ai";
import { globToRegExp } from "./glob.ts";
import { capOutput } from "./output-cap.ts";
import { readRegularFile } from "./regular-file.ts";
import { type ToolContext, textResult, type WorkspaceTool } from "./tool-context.ts";
import { walkWorkspace } from "./walk.ts";
import { resolveWorkspacePath } from "./workspace-path.ts";

const MAX_MATCHES = 200;
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_FILES = 20_000;
// Long lines (minified code) are cut before matching and showing.
const MAX_LINE_CHARS = 400;

const parameters = Type.Object({
  pattern: Type.String({ description: "Regular expression (JavaScript syntax) to search for" }),
  path: Type.Optional(
    Type.String({ description: "Directory or file; default the workspace root" }),
  ),
  glob: Type.Optional(Type.String({ description: 'Only files matching this glob, e.g. "*.ts"' })),
  ignore_case: Type.Optional(Type.Boolean()),
});

/**
 * `search`: a grep over the workspace's text files — `path:line: text` per match, at most 200
 * matches and 16 KiB, binary and files over 1 MiB skipped.
 *
 * @example createSearchTool(ctx).execute("t1", { pattern: "TODO", glob: "*.ts" })
 */
export function createSearchTool(ctx: ToolContext): WorkspaceTool<typeof parameters> {
  return {
    name: "search",
    label: "Search",
    description:
      "Search file contents with a regular expression (like grep -rn). Returns path:line: text.",
    parameters,
    async execute(_id, { pattern, path = ".", glob, ignore_case = false }) {
      let regex: RegExp;
      try {
        regex = new RegExp(pattern, ignore_case ? "i" : "");
      } catch (error) {
        throw new Error(`pattern is not a valid regular expression: ${(error as Error).message}`);
      }
      const { real, shown } = await resolveWorkspacePath(ctx.workspaceDir, path);
      const info = await stat(real).catch(() => null);
      if (!info) throw new Error(`${shown} does not exist`);
      const matcher = glob ? globToRegExp(glob) : null;
      const files = info.isDirectory()
        ? walkWorkspace(real, { max: MAX_FILES })
        : single(real, shown, info.size);
      const prefix = info.isDirectory() && shown !== "." ? `${shown}/` : "";
      const out: string[] = [];
      let truncated = false;
      for await (const file of files) {
        if (file.dir || file.size > MAX_FILE_BYTES) continue;
        if (matcher && !matcher.test(file.path)) continue;
        // Regular files only: the walk lists symlinks, FIFOs and devices too.
        const read = await readRegularFile(file.abs, MAX_FILE_BYTES).catch(() => null);
        if (!read || read.size > MAX_FILE_BYTES) continue;
        const buffer = read.bytes;
        if (buffer.includes(0)) continue;
        const lines = buffer.toString("utf8").split("\n");
        for (let i = 0; i < lines.length; i++) {
          const line = (lines[i] as string).slice(0, MAX_LINE_CHARS);
          if (!regex.test(line)) continue;
          if (out.length === MAX_MATCHES) {
            truncated = true;
            break;
          }
          out.push(`${info.isDirectory() ? prefix + file.path : shown}:${i + 1}: ${line}`);
        }
        if (truncated) break;
      }
      if (out.length === 0) return textResult(`(no matches for /${pattern}/)`, { matches: 0 });
      if (truncated) out.push(`[stopped at ${MAX_MATCHES} matches; narrow the pattern or path]`);
      return textResult(capOutput(out.join("\n")), { matches: out.length });
    },
  };
}

async function* single(abs: string, shown: string, size: number) {
  yield { path: shown, abs, dir: false, size };
}
