import { AppError, webMessageRequestSchema } from "@iterate/contract";
import { Hono } from "hono";
import { readJsonBody } from "../../platform/json-body.ts";
import type { AgentRuntime } from "../agent-runtime.ts";
import { parseStreamName } from "../session/streams.ts";

/**
 * `/agents-api/*` (signed like every daemon route; the platform's Agents page calls it through
 * `fetchForInstance`): the machine's sessions and what can be done to them.
 *
 * - `GET  /agents-api/sessions` → `{ sessions: SessionSummary[] }`, newest activity first
 * - `GET  /agents-api/sessions/<path>` → `{ session }` (404 when there is none)
 * - `POST /agents-api/web-sessions` `{ text, user? }` → 202 `{ session: { path }, runId }`
 * - `POST /agents-api/sessions/<path>/messages` `{ text, user? }` → 202 `{ steered }` (web sessions)
 * - `POST /agents-api/sessions/<path>/stop` → `{ stopped }` (false when nothing was running)
 *
 * `<path>` is the stream name as is (`slack/T1/C1/1712345678.000100`, `web/ses_…`); its live
 * record is `GET /agents/<path>?offset=-1&live=sse`.
 *
 * @example app.route("/agents-api", createAgentsApi(runtime));
 */
export function createAgentsApi(runtime: AgentRuntime) {
  const app = new Hono();
  const sessionPath = (raw: string) => {
    const path = parseStreamName(raw);
    if (!path || !(path.startsWith("slack/") || path.startsWith("web/"))) {
      throw new AppError("not_found", "No such session.", 404);
    }
    return path;
  };

  app.get("/sessions", async (c) => c.json({ sessions: await runtime.listSessions() }));
  app.post("/web-sessions", async (c) => {
    const input = await readJsonBody(c, webMessageRequestSchema);
    const { path, runId } = await runtime.startWebSession(input);
    return c.json({ session: { path }, runId }, 202);
  });
  app.post("/sessions/:path{.+}/stop", (c) => {
    const path = sessionPath(c.req.param("path"));
    return c.json({ stopped: runtime.stop(path) });
  });
  app.post("/sessions/:path{.+}/messages", async (c) => {
    const path = sessionPath(c.req.param("path"));
    const input = await readJsonBody(c, webMessageRequestSchema);
    return c.json(await runtime.sendMessage(path, input), 202);
  });
  app.get("/sessions/:path{.+}", async (c) => {
    const session = await runtime.getSession(sessionPath(c.req.param("path")));
    if (!session) throw new AppError("not_found", "No such session.", 404);
    return c.json({ session });
  });
  return app;
}
