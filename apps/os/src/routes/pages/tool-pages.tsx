/**
 * Dashboard: the instance's Tools page at `/instances/:instanceId/tools`, behind `requireUser()`
 * + `instanceAccess()` (another instance's page is 404 like everything of another instance).
 *
 * - `GET` shows the machine's MCP servers as they are (`GET /platform/config` through
 *   `fetchForInstance`): looking starts nothing.
 * - `POST /start` (a form, so CSRF-checked like every dashboard post) asks the machine to start
 *   any server that is not running (`?connect=true`, as a session would) and waits for them, then
 *   redirects back to the page, which lists their tools; a machine that cannot be asked is an
 *   error flash.
 */
import { AppError, configResponseSchema } from "@iterate/contract";
import { type Context, Hono } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { fetchForInstance } from "../../machines/fetch-for-instance.ts";
import { callMachine } from "../../machines/machine-json.ts";
import { setFlash } from "../../middleware/flash.ts";
import { type ToolsMachineState, ToolsPage } from "../../ui/pages/tools-page.tsx";
import { machineUnavailable } from "./machine-unavailable.ts";
import { layoutProps } from "./page-context.ts";

/** The daemon waits at most 15 s for servers still starting (mcp-hub.ts `runWaitMs`); a margin on top. */
const START_TIMEOUT_MS = 20_000;

function machineConfig(c: Context<AppEnv>, start: boolean) {
  return callMachine(
    fetchForInstance(c.env, c.var.instance.id),
    configResponseSchema,
    start ? "/platform/config?connect=true" : "/platform/config",
    start ? { timeoutMs: START_TIMEOUT_MS } : {},
  );
}

export const toolPages = new Hono<AppEnv>()
  .get("/", async (c) => {
    let machine: ToolsMachineState;
    try {
      machine = { ok: true, servers: (await machineConfig(c, false)).mcpServers };
    } catch (error) {
      const unavailable = machineUnavailable(error);
      if (!unavailable) throw error;
      machine = unavailable;
    }
    return c.html(<ToolsPage {...layoutProps(c)} machine={machine} />);
  })
  .post("/start", async (c) => {
    try {
      const { mcpServers } = await machineConfig(c, true);
      const failed = mcpServers.filter((server) => server.state === "failed").length;
      setFlash(
        c,
        failed > 0 ? "error" : "success",
        failed > 0
          ? `${failed} of ${mcpServers.length} MCP servers failed to start; see below.`
          : `Started ${mcpServers.length} MCP server${mcpServers.length === 1 ? "" : "s"}.`,
      );
    } catch (error) {
      // e.g. "The machine answered 422: iterate.config.json: mcpServers.x.args: …"
      if (!(error instanceof AppError) || error.code === "internal_error") throw error;
      setFlash(c, "error", error.message);
    }
    return c.redirect(`/instances/${c.var.instance.id}/tools`, 303);
  });
