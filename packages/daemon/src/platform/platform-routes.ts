import {
  AppError,
  bootstrapRequestSchema,
  ENV_VARS_MAX_PER_INSTANCE,
  envUpdateSchema,
  isReservedEnvName,
  type RetireResponse,
} from "@iterate/contract";
import { Hono } from "hono";
import type { MachineEnv } from "../env/machine-env.ts";
import type { McpHub } from "../mcp/mcp-hub.ts";
import { type WorkspaceBootstrapper, WorkspaceError } from "../workspace/bootstrap.ts";
import { readWorkspaceConfig, WorkspaceConfigError } from "../workspace/config.ts";
import { refNameProblem } from "../workspace/ref-name.ts";
import { readJsonBody } from "./json-body.ts";

/** Options of {@link createPlatformRoutes}. */
export interface PlatformRoutesOptions {
  machineId: string;
  version: string;
  /** When the daemon started (ms), for `uptimeMs`. */
  startedAt: number;
  /** Millisecond clock; default Date.now. */
  now?: () => number;
  workspace: WorkspaceBootstrapper;
  machineEnv: MachineEnv;
  /** The MCP servers: reported by `GET /config`, reloaded after env and workspace changes. */
  mcp?: McpHub;
  /**
   * `POST /retire`: what the daemon does when the platform is about to archive it (`startDaemon`
   * supplies it). Without it the route is not mounted (404).
   */
  retire?: () => Promise<RetireResponse>;
}

/**
 * The platform's control surface, mounted at `/platform` behind `platformAuth`
 * (ARCHITECTURE "Daemon routes"): ping, bootstrap, config, env, and retire (docs/daemon.md).
 *
 * @example
 * app.route("/platform", createPlatformRoutes({ machineId, version, startedAt, workspace, machineEnv }));
 */
export function createPlatformRoutes(options: PlatformRoutesOptions) {
  const now = options.now ?? Date.now;
  const app = new Hono();

  app.get("/ping", (c) =>
    c.json({
      ok: true,
      machineId: options.machineId,
      version: options.version,
      uptimeMs: Math.max(0, now() - options.startedAt),
    }),
  );

  app.post("/bootstrap", async (c) => {
    const { repo } = await readJsonBody(c, bootstrapRequestSchema, { empty: {} });
    if (repo && hasEmbeddedCredentials(repo.url)) {
      // It would be written to .git/config; tokens belong in the instance env instead.
      throw new AppError(
        "validation_failed",
        "repo.url: must not embed credentials; set GITHUB_TOKEN in the instance env",
        400,
      );
    }
    // The contract only refuses a leading "-"; the ref reaches `git fetch origin <ref>`, where
    // "+a:b" would force-move a local branch. TODO(contract): move into bootstrapRequestSchema.
    const refProblem = repo?.ref === undefined ? null : refNameProblem(repo.ref);
    if (refProblem) throw new AppError("validation_failed", `repo.ref: ${refProblem}`, 400);
    try {
      const { commit } = await options.workspace.bootstrap(repo);
      // A pull can add, change or remove MCP servers.
      await options.mcp?.reload();
      return c.json({ ok: true, commit });
    } catch (error) {
      if (!(error instanceof WorkspaceError)) throw error;
      if (error.kind === "conflict") throw new AppError("conflict", error.message, 409);
      throw new AppError("upstream_error", error.message, 502);
    }
  });

  // `?connect=true` starts the MCP servers that are not running (as a session would) and waits
  // for them, so the dashboard can list their tools; without it nothing is started.
  app.get("/config", async (c) => {
    try {
      const { config, rules } = await readWorkspaceConfig(options.workspace.dir);
      if (options.mcp && c.req.query("connect") === "true") {
        (await options.mcp.open(config.mcpServers)).release();
      } else {
        options.mcp?.sync(config.mcpServers);
      }
      return c.json({ config, rules, mcpServers: options.mcp?.status() ?? [] });
    } catch (error) {
      if (!(error instanceof WorkspaceConfigError)) throw error;
      if (error.kind === "not_bootstrapped") throw new AppError("conflict", error.message, 409);
      throw new AppError(error.kind, error.message, 422);
    }
  });

  app.put("/env", async (c) => {
    const { env } = await readJsonBody(c, envUpdateSchema);
    const names = Object.keys(env);
    const reserved = names.find(isReservedEnvName);
    if (reserved) {
      throw new AppError(
        "reserved_name",
        `${reserved} is set by the platform and cannot be overridden`,
        400,
      );
    }
    if (names.length > ENV_VARS_MAX_PER_INSTANCE) {
      throw new AppError(
        "limit_exceeded",
        `at most ${ENV_VARS_MAX_PER_INSTANCE} env vars per instance`,
        400,
      );
    }
    await options.machineEnv.replaceInstanceEnv(env);
    // A server whose `${NAME}` (or, for stdio, whose env) changed restarts with the new values.
    await options.mcp?.reload();
    // Names only: values are secrets and never leave the machine again.
    return c.json({ ok: true, names: names.sort() });
  });

  const retire = options.retire;
  // Takes no body. Repeated (a retried archive), it has nothing more to stop.
  if (retire) app.post("/retire", async (c) => c.json(await retire()));

  return app;
}

/** `https://<token>@github.com/…`; an ssh user (`ssh://git@host/…`) is not a credential. */
function hasEmbeddedCredentials(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return false;
  return parsed.username !== "" || parsed.password !== "";
}
