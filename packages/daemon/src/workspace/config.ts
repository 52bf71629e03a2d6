import { lstat, readdir, readFile, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import { type ContextRule, type IterateConfig, iterateConfigSchema } from "@iterate/contract";

/** The workspace's config file, at the repository root. */
export const CONFIG_FILE = "iterate.config.json";
/**
 * Context rules the agents load, in order: this file at the root, then `RULES_DIR/*.md` by
 * name, then the config's own `rules` list (each file once).
 */
export const AGENTS_FILE = "AGENTS.md";
export const RULES_DIR = ".iterate/rules";

/** Why the workspace config could not be read; `message` names the file and the field. */
export class WorkspaceConfigError extends Error {
  override name = "WorkspaceConfigError";
  constructor(
    readonly kind: "not_bootstrapped" | "invalid_json" | "validation_failed",
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads `iterate.config.json` (validated; an absent file is `{}`) and the context rules.
 *
 * @example
 * const { config, rules } = await readWorkspaceConfig(join(home, "workspace"));
 */
export async function readWorkspaceConfig(
  dir: string,
): Promise<{ config: IterateConfig; rules: ContextRule[] }> {
  if (!(await isDirectory(dir))) {
    throw new WorkspaceConfigError(
      "not_bootstrapped",
      "the workspace does not exist yet; POST /platform/bootstrap first",
    );
  }
  const root = await realpath(dir);
  const text = await readRegularFile(root, CONFIG_FILE);
  let json: unknown = {};
  if (text !== null) {
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new WorkspaceConfigError(
        "invalid_json",
        `${CONFIG_FILE} is not valid JSON: ${(error as Error).message}`,
      );
    }
  }
  const parsed = iterateConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join(".") || "(root)";
    throw new WorkspaceConfigError(
      "validation_failed",
      `${CONFIG_FILE}: ${field}: ${issue?.message}`,
    );
  }
  return { config: parsed.data, rules: await readRules(root, parsed.data.rules ?? []) };
}

async function readRules(root: string, extra: string[]): Promise<ContextRule[]> {
  const names = await readdir(join(root, RULES_DIR)).catch(() => [] as string[]);
  const paths = [
    AGENTS_FILE,
    ...names
      .filter((n) => n.endsWith(".md"))
      .sort()
      .map((n) => `${RULES_DIR}/${n}`),
    ...extra,
  ];
  const rules: ContextRule[] = [];
  for (const path of new Set(paths)) {
    const content = await readRegularFile(root, path);
    if (content !== null) rules.push({ path, content });
  }
  return rules;
}

/**
 * The text of a regular file inside `root`, or null. A symlink (of the file or of a directory
 * on its way) pointing out of the workspace cannot pull in files from elsewhere on the machine.
 */
async function readRegularFile(root: string, path: string): Promise<string | null> {
  try {
    const real = await realpath(join(root, path));
    if (!real.startsWith(`${root}/`) || !(await stat(real)).isFile()) return null;
    return await readFile(real, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    if (["ENOENT", "ENOTDIR", "ELOOP"].includes(code)) return null;
    throw error;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}
