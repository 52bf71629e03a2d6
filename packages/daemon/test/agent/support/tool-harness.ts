import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach } from "vitest";
import type { ToolContext } from "../../../src/agent/tools/tool-context.ts";
import { createWorkspaceTools } from "../../../src/agent/tools/workspace-tools.ts";
import { tempDir } from "../../platform/support/temp.ts";

/**
 * A fresh workspace per test and the agent's tools over it, called as the loop calls them.
 * @example const tools = toolHarness(); const { text } = await tools.call("read_file", { path: "a" });
 */
export function toolHarness() {
  let ctx: ToolContext;
  beforeEach(async () => {
    const root = await tempDir("tools-");
    const workspace = join(root, "workspace");
    await mkdir(workspace);
    ctx = {
      workspaceDir: workspace,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", MARKER: "from-machine-env" },
    };
  });
  return {
    get ctx() {
      return ctx;
    },
    /** Runs a tool as the loop would: its text, or the error the model would read. */
    async call(
      name: string,
      args: Record<string, unknown>,
    ): Promise<{ ok: boolean; text: string }> {
      const tool = createWorkspaceTools(ctx, { defaultTimeoutSeconds: 5 }).find(
        (t) => t.name === name,
      );
      if (!tool) throw new Error(`no tool ${name}`);
      try {
        const result = await tool.execute("t1", args as never);
        return { ok: true, text: result.content.map((c) => ("text" in c ? c.text : "")).join("") };
      } catch (error) {
        return { ok: false, text: (error as Error).message };
      }
    },
  };
}
