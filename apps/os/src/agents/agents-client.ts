/**
 * The daemon's `/agents-api/*` as the platform calls it: through `fetchForInstance` (every
 * request signed for the instance's ready machine), answers validated with the contract's
 * schemas. Failures are AppErrors a page can show: the daemon's 404 is `not_found`, anything
 * else it answers or a machine that cannot be reached is `upstream_error` (502); no ready
 * machine is fetchForInstance's `MachineNotReadyError` (503 `machine_not_ready`).
 */
import { AppError, type SessionSummary, sessionSummarySchema } from "@iterate/contract";
import { z } from "zod";
import type { Bindings } from "../app-env.ts";
import { fetchForInstance, type MachineFetch } from "../machines/fetch-for-instance.ts";

/** How long a call to `/agents-api` may take (they answer at once; a run goes on after). */
const CALL_TIMEOUT_MS = 15_000;

const listSchema = z.object({ sessions: z.array(sessionSummarySchema) });
const sessionSchema = z.object({ session: sessionSummarySchema });
const startedSchema = z.object({ session: z.object({ path: z.string() }), runId: z.string() });
const steeredSchema = z.object({ steered: z.boolean() });
const stoppedSchema = z.object({ stopped: z.boolean() });

/** The machine's agents, for one instance. */
export interface AgentsClient {
  /** Every session, newest activity first. */
  listSessions(): Promise<SessionSummary[]>;
  /** One session; `not_found` when the machine has none at `path`. */
  getSession(path: string): Promise<SessionSummary>;
  /** Starts a web session with its first message. */
  startWebSession(input: { text: string; user?: string }): Promise<{ path: string }>;
  /** A further message to a web session: steers a running agent or starts a run. */
  sendMessage(path: string, input: { text: string; user?: string }): Promise<{ steered: boolean }>;
  /** Aborts the session's running agent; false when nothing was running. */
  stop(path: string): Promise<{ stopped: boolean }>;
}

/** `/agents-api/sessions/<path>` — the path's segments as they are (validated by the caller). */
const sessionUrl = (path: string, suffix = "") => `/agents-api/sessions/${path}${suffix}`;

/**
 * @example
 * const agents = agentsClient(c.env, instanceId);
 * const sessions = await agents.listSessions(); // throws MachineNotReadyError without a ready machine
 */
export function agentsClient(env: Bindings, instanceId: string): AgentsClient {
  return createAgentsClient(fetchForInstance(env, instanceId));
}

/** The same over any machine fetch (tests and the proxy use the instance's). */
export function createAgentsClient(machine: MachineFetch): AgentsClient {
  async function call<T extends z.ZodType>(
    schema: T,
    url: string,
    init: { method?: string; json?: unknown } = {},
  ): Promise<z.output<T>> {
    let res: Response;
    try {
      res = await machine(url, {
        method: init.method ?? "GET",
        headers: {
          accept: "application/json",
          ...(init.json === undefined ? {} : { "content-type": "application/json" }),
        },
        body: init.json === undefined ? undefined : JSON.stringify(init.json),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError("upstream_error", "The machine could not be reached.", 502);
    }
    if (res.status === 404) {
      await res.body?.cancel();
      throw new AppError("not_found", "No such session.");
    }
    const body = await res.json().catch(() => null);
    if (!res.ok) {
      const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
      throw new AppError(
        "upstream_error",
        `The machine answered ${res.status}${typeof message === "string" ? `: ${message}` : "."}`,
        502,
      );
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new AppError("upstream_error", "The machine's answer was not understood.", 502);
    }
    return parsed.data;
  }

  return {
    async listSessions() {
      return (await call(listSchema, "/agents-api/sessions")).sessions;
    },
    async getSession(path) {
      return (await call(sessionSchema, sessionUrl(path))).session;
    },
    async startWebSession(input) {
      const started = await call(startedSchema, "/agents-api/web-sessions", {
        method: "POST",
        json: input,
      });
      return { path: started.session.path };
    },
    sendMessage(path, input) {
      return call(steeredSchema, sessionUrl(path, "/messages"), { method: "POST", json: input });
    },
    stop(path) {
      return call(stoppedSchema, sessionUrl(path, "/stop"), { method: "POST" });
    },
  };
}
