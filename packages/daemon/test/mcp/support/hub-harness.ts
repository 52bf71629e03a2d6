import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { McpServerStatus } from "@iterate/contract";
import type { AgentTool } from "@mariozechner/pi-agent-core";
import { afterEach, beforeEach } from "vitest";
import { createMcpHub, type McpHub, type McpHubOptions } from "../../../src/mcp/mcp-hub.ts";
import { tempDir } from "../../platform/support/temp.ts";

/** The machine token the harness's env holds. */
export const MACHINE_TOKEN = "itk_machine_token_of_this_machine";

/** A hub over a fresh workspace and a machine env the test may change; made anew per test. */
export interface HubHarness {
  workspace: string;
  /** The machine env the hub reads (`env: () => h.env`): assign or mutate it freely. */
  env: Record<string, string>;
  hub: McpHub;
  /** Every line the hub logged. */
  logs: string[];
  statusOf(name: string): McpServerStatus;
  /** Closes the hub and makes a new one with other options (same workspace, env and log). */
  reopen(options: Partial<McpHubOptions>): Promise<void>;
}

/**
 * Registers `beforeEach`/`afterEach` for a file's MCP hub tests.
 * @example const h = useHubHarness({ machineEnv: { SECRET_TOKEN: SECRET }, backoffMs: 50 }); … await h.hub.open(config)
 */
export function useHubHarness(
  options: { machineEnv?: Record<string, string> } & Partial<McpHubOptions> = {},
): HubHarness {
  const { machineEnv: extraEnv, ...hubOptions } = options;
  const make = (more: Partial<McpHubOptions>) =>
    createMcpHub({
      workspaceDir: h.workspace,
      env: () => h.env,
      log: (line) => h.logs.push(line),
      startTimeoutMs: 10_000,
      ...hubOptions,
      ...more,
    });
  const h: HubHarness = {
    workspace: "",
    env: {},
    hub: undefined as unknown as McpHub,
    logs: [],
    statusOf(name) {
      const found = h.hub.status().find((s) => s.name === name);
      if (!found) throw new Error(`no server ${name}`);
      return found;
    },
    async reopen(more) {
      await h.hub.close();
      h.hub = make(more);
    },
  };
  beforeEach(async () => {
    h.workspace = join(await tempDir("mcp-"), "workspace");
    await mkdir(h.workspace);
    h.env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      ITERATE_MACHINE_TOKEN: MACHINE_TOKEN,
      ITERATE_PLATFORM_URL: "http://127.0.0.1:1",
      ...extraEnv,
    };
    h.logs = [];
    h.hub = make({});
  });
  afterEach(() => h.hub.close());
  return h;
}

/** Calls an offered tool as the agent loop would: its text, or the error the model reads. */
export async function call(tools: AgentTool[], name: string, args: Record<string, unknown> = {}) {
  const tool = tools.find((t) => t.name === name);
  if (!tool) throw new Error(`no tool ${name} in ${tools.map((t) => t.name).join(", ")}`);
  try {
    const result = await tool.execute("call-1", args as never);
    return { ok: true, content: result.content };
  } catch (error) {
    return { ok: false, text: (error as Error).message };
  }
}

export const textOf = (r: Awaited<ReturnType<typeof call>>): string =>
  r.ok ? (r.content ?? []).map((c) => ("text" in c ? c.text : "")).join("") : (r.text ?? "");
