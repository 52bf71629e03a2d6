import type { ContextRule, IterateConfig } from "@iterate/contract";
import type { McpServersConfig } from "../../mcp/mcp-hub.ts";
import { readWorkspaceConfig, WorkspaceConfigError } from "../../workspace/config.ts";
import { DEFAULT_AGENT_MODEL } from "./model.ts";

/** Tool calls one run may make when `agents.maxTurns` does not say (ARCHITECTURE, issue 10). */
export const DEFAULT_MAX_TOOL_CALLS = 50;

/** What a run takes from the workspace, read fresh for every run. */
export interface RunConfig {
  model: string;
  maxToolCalls: number;
  /** `agents.systemPrompt`: the instance's own words, first in the system prompt. */
  instancePrompt: string | null;
  /** AGENTS.md, `.iterate/rules/*.md`, the config's `rules` (what GET /platform/config lists). */
  rules: ContextRule[];
  /** Why the config could not be used (the run goes on with defaults and the model is told). */
  problem: string | null;
  /** `mcpServers`: the tools of these servers are offered too. */
  mcpServers: McpServersConfig | undefined;
}

/**
 * Reads `iterate.config.json` and the context rules for one run. Re-read per run (a few small
 * files) so a pull, a bootstrap or the agent's own edit of AGENTS.md counts from the next run.
 * A broken config does not stop the agent: it runs with the defaults and is told what is wrong,
 * so it can say so — or fix the file.
 *
 * @example const config = await loadRunConfig(join(home, "workspace"));
 */
export async function loadRunConfig(workspaceDir: string): Promise<RunConfig> {
  let config: IterateConfig = {};
  let rules: ContextRule[] = [];
  let problem: string | null = null;
  try {
    ({ config, rules } = await readWorkspaceConfig(workspaceDir));
  } catch (error) {
    if (!(error instanceof WorkspaceConfigError)) throw error;
    problem = error.message;
  }
  return {
    model: config.agents?.model ?? DEFAULT_AGENT_MODEL,
    maxToolCalls: config.agents?.maxTurns ?? DEFAULT_MAX_TOOL_CALLS,
    instancePrompt: config.agents?.systemPrompt ?? null,
    rules,
    problem,
    mcpServers: config.mcpServers,
  };
}
