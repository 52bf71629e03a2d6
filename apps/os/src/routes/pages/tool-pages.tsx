/**
 * Dashboard: the instance's Tools page at `/instances/:instanceId/tools`, behind `requireUser()`
 * + `instanceAccess()` (another instance's page is 404 like everything of another instance).
 * It reads the machine's `GET /platform/config?connect=true` through `fetchForInstance`: the
 * daemon starts any MCP server that is not running (as a session would) and reports each with
 * its state and tools.
 */
import { AppError, configResponseSchema } from "@iterate/contract";
import { Hono } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { fetchForInstance, MachineNotReadyError } from "../../machines/fetch-for-instance.ts";
import { callMachine } from "../../machines/machine-json.ts";
import { type ToolsMachineState, ToolsPage } from "../../ui/pages/tools-page.tsx";
import { layoutProps } from "./page-context.ts";

/** The daemon waits at most 15 s for servers still starting (mcp-hub.ts `runWaitMs`); a margin on top. */
const CONNECT_TIMEOUT_MS = 20_000;

export const toolPages = new Hono<AppEnv>().get("/", async (c) => {
  const layout = layoutProps(c);
  let machine: ToolsMachineState;
  try {
    const { mcpServers } = await callMachine(
      fetchForInstance(c.env, c.var.instance.id),
      configResponseSchema,
      "/platform/config?connect=true",
      { timeoutMs: CONNECT_TIMEOUT_MS },
    );
    machine = { ok: true, servers: mcpServers };
  } catch (error) {
    if (error instanceof MachineNotReadyError) {
      machine = { ok: false, reason: "not_ready", message: error.message };
    } else if (error instanceof AppError && error.code === "upstream_error") {
      // e.g. "The machine answered 422: iterate.config.json: mcpServers.x.args: …"
      machine = { ok: false, reason: "unreachable", message: error.message };
    } else {
      throw error;
    }
  }
  return c.html(<ToolsPage {...layout} machine={machine} />);
});
