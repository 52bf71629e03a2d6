import { z } from "zod";

/**
 * A workspace-relative path (`iterate.config.json`'s `rules`, an MCP server's `cwd`): no
 * absolute paths, no `..` segments, no backslashes. The daemon still resolves symlinks itself.
 */
export const workspacePathSchema = z
  .string()
  .min(1)
  .max(512)
  .refine(
    (p) => !p.startsWith("/") && !p.includes("\\") && !p.split("/").includes(".."),
    "must be a path inside the workspace",
  );
