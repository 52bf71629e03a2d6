/**
 * Dashboard: an instance's Agents page and the live view of one session, mounted at
 * `/instances/:instanceId/agents` behind `requireUser()` + `instanceAccess()` (another
 * instance's sessions are 404 like everything of another instance). The machine is reached
 * through `fetchForInstance` only: `/agents-api/*` for sessions, Stop and messages, and the
 * session's stream for the SSE relay.
 *
 * | route | what |
 * |---|---|
 * | `GET /` | the sessions; without a ready machine, a page saying so |
 * | `POST /` `text` | starts a web session → 303 to its live view |
 * | `GET /:session` | the live view (`:session` = the URL-encoded path, as Slack's "View session" links it) |
 * | `GET /:session/stream?offset=` | the SSE relay of the session's stream |
 * | `POST /:session/stop` | aborts its running agent |
 * | `POST /:session/messages` `text` | a further message to a web session |
 *
 * The POSTs are CSRF-protected forms; sent by the page's script with `Accept: application/json`
 * they answer JSON instead of redirecting, so the live view keeps streaming.
 */
import { AppError } from "@iterate/contract";
import { type Context, Hono } from "hono";
import { z } from "zod";
import { agentsClient } from "../../agents/agents-client.ts";
import { parseSessionPath, parseStreamOffset, sessionPageUrl } from "../../agents/session-path.ts";
import { relaySessionStream } from "../../agents/session-relay.ts";
import type { AppEnv } from "../../app-env.ts";
import { readForm } from "../../http/read-input.ts";
import { setFlash } from "../../middleware/flash.ts";
import { AgentSessionPage } from "../../ui/pages/agent-session-page.tsx";
import { type AgentsMachineState, AgentsPage } from "../../ui/pages/agents-page.tsx";
import { machineUnavailable } from "./machine-unavailable.ts";
import { layoutProps } from "./page-context.ts";

const messageSchema = z.object({
  text: z.string().trim().min(1, "Write a message first.").max(32_000),
});

/** The `:session` param as a validated session path (404 otherwise, like a missing session). */
function sessionParam(c: Context<AppEnv>): string {
  const path = parseSessionPath(c.req.param("session"));
  if (!path) throw new AppError("not_found", "No such session.");
  return path;
}

const wantsJson = (c: Context) => (c.req.header("accept") ?? "").includes("application/json");

/**
 * Runs a session action for a form (flash + 303 to `back`) or for the page's script (JSON).
 * Expected failures (AppErrors, a machine that is not ready included) become an error flash;
 * for JSON they reach `onError`, which answers `{"error":…}` with their status.
 */
async function sessionAction(
  c: Context<AppEnv>,
  back: string,
  action: () => Promise<{ json: Record<string, unknown>; message: string }>,
): Promise<Response> {
  if (wantsJson(c)) return c.json((await action()).json);
  try {
    setFlash(c, "success", (await action()).message);
  } catch (error) {
    if (!(error instanceof AppError) || error.code === "internal_error") throw error;
    setFlash(c, "error", error.message);
  }
  return c.redirect(back, 303);
}

/** Mounted at `/instances/:instanceId/agents` behind `requireUser()` + `instanceAccess()`. */
export const agentPages = new Hono<AppEnv>()
  .get("/", async (c) => {
    const layout = layoutProps(c);
    let machine: AgentsMachineState;
    try {
      machine = { ok: true, sessions: await agentsClient(c.env, c.var.instance.id).listSessions() };
    } catch (error) {
      const unavailable = machineUnavailable(error);
      if (!unavailable) throw error;
      machine = unavailable;
    }
    return c.html(<AgentsPage {...layout} machine={machine} />);
  })
  .post("/", async (c) => {
    const { user, instance } = layoutProps(c);
    const back = `/instances/${instance.id}/agents`;
    try {
      const { text } = await readForm(c, messageSchema);
      const started = await agentsClient(c.env, instance.id).startWebSession({
        text,
        user: user.email,
      });
      const path = parseSessionPath(started.path);
      if (!path) throw new AppError("upstream_error", "The machine named an invalid session.", 502);
      return c.redirect(sessionPageUrl(instance.id, path), 303);
    } catch (error) {
      if (!(error instanceof AppError) || error.code === "internal_error") throw error;
      setFlash(c, "error", error.message);
      return c.redirect(back, 303);
    }
  })
  .get("/:session", async (c) => {
    const layout = layoutProps(c);
    const path = sessionParam(c);
    try {
      const summary = await agentsClient(c.env, c.var.instance.id).getSession(path);
      return c.html(<AgentSessionPage {...layout} path={path} session={{ ok: true, summary }} />);
    } catch (error) {
      const unavailable = machineUnavailable(error);
      if (!unavailable || unavailable.ok) throw error;
      return c.html(
        <AgentSessionPage
          {...layout}
          path={path}
          session={{ ok: false, reason: unavailable.reason, message: unavailable.message }}
        />,
      );
    }
  })
  .get("/:session/stream", (c) => {
    layoutProps(c);
    const path = sessionParam(c);
    const offset = parseStreamOffset(c.req.query("offset"));
    if (!offset) throw new AppError("validation_failed", "offset: not a stream offset.");
    return relaySessionStream(c.env, c.var.instance.id, path, offset, c.req.raw.signal);
  })
  .post("/:session/stop", (c) => {
    layoutProps(c);
    const path = sessionParam(c);
    return sessionAction(c, sessionPageUrl(c.var.instance.id, path), async () => {
      const { stopped } = await agentsClient(c.env, c.var.instance.id).stop(path);
      return {
        json: { stopped },
        message: stopped ? "Stopping the agent." : "Nothing was running.",
      };
    });
  })
  .post("/:session/messages", (c) => {
    const { user } = layoutProps(c);
    const path = sessionParam(c);
    return sessionAction(c, sessionPageUrl(c.var.instance.id, path), async () => {
      if (!path.startsWith("web/")) {
        throw new AppError("conflict", "Messages to Slack sessions are sent in Slack.");
      }
      const { text } = await readForm(c, messageSchema);
      const { steered } = await agentsClient(c.env, c.var.instance.id).sendMessage(path, {
        text,
        user: user.email,
      });
      return { json: { steered }, message: steered ? "Sent to the running agent." : "Sent." };
    });
  });
