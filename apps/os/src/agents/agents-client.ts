/**
 * The daemon's `/agents-api/*` as the platform calls it: through `fetchForInstance` (every
 * request signed for the instance's ready machine), answers validated with the contract's
 * schemas. Failures are AppErrors a page can show: the daemon's 404 is `not_found`, anything
 * else it answers or a machine that cannot be reached is `upstream_error` (502); no ready
 * machine is fetchForInstance's `MachineNotReadyError` (503 `machine_not_ready`).
 */
import { type SessionSummary, sessionSummarySchema } from "@iterate/contract";
import { z } from "zod";
import type { Bindings } from "../app-env.ts";
import { fetchForInstance, type MachineFetch } from "../machines/fetch-for-instance.ts";
import { callMachine, type MachineCall } from "../machines/machine-json.ts";

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
  const call = <T extends z.ZodType>(schema: T, url: string, init: MachineCall = {}) =>
    callMachine(machine, schema, url, { notFound: "No such session.", ...init });

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
