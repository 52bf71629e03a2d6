import type { AgentTool } from "@mariozechner/pi-agent-core";
import type { TSchema } from "@mariozechner/pi-ai";

/** What every workspace tool works with; built per run, so an env hot reload reaches the next run. */
export interface ToolContext {
  /** `~/workspace`: every path is confined to it, commands run in it. */
  workspaceDir: string;
  /** The machine env (`machineEnv.runEnv()` of this run): the env of every child process. */
  env: Record<string, string>;
}

/** A tool as the loop runs it; `details` carry what the session stream records beside the text. */
export type WorkspaceTool<P extends TSchema = TSchema> = AgentTool<P, Record<string, unknown>>;

/** The text result every tool returns (the model reads `text`). */
export function textResult(text: string, details: Record<string, unknown> = {}) {
  return { content: [{ type: "text" as const, text }], details };
}
