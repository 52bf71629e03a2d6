import { join } from "node:path";
import type { MiddlewareHandler } from "hono";
import { openPersistentReplayCache } from "../auth/persistent-replay-cache.ts";
import { platformAuth } from "../auth/platform-auth.ts";
import { type Credentials, loadOrCreateCredentials } from "../credentials.ts";
import { createInstanceEnvStore } from "../env/instance-env-store.ts";
import { createMachineEnv, type MachineEnv } from "../env/machine-env.ts";
import { createMcpHub, type McpHub } from "../mcp/mcp-hub.ts";
import { type PingOutcome, pingPlatform } from "../ping.ts";
import { DAEMON_VERSION } from "../version.ts";
import { createWorkspaceBootstrapper } from "../workspace/bootstrap.ts";
import type { PlatformRoutesOptions } from "./platform-routes.ts";

/** Options of {@link setupPlatform}. */
export interface PlatformSetupOptions {
  /** The daemon's HOME: `<home>/.iterate` for state, `<home>/workspace` for the repo. */
  home: string;
  /**
   * The daemon's process env: reserved `ITERATE_*` names, the base of the machine env, and
   * the env of the daemon's own git. Read, never written.
   */
  env: Readonly<Record<string, string | undefined>>;
  log?: (line: string) => void;
  fetch?: typeof fetch;
}

/** Everything the daemon needs to obey the platform, built from HOME and env. */
export interface PlatformSetup {
  credentials: Credentials;
  /** `platformAuth` for this machine: pass as `createDaemonApp({ auth })`. */
  auth: MiddlewareHandler;
  /** Pass as `createDaemonApp({ platform })`. */
  routes: PlatformRoutesOptions;
  /** The env for agent runs and their child processes. */
  machineEnv: MachineEnv;
  /** The workspace's MCP servers (`iterate.config.json` `mcpServers`); close it at shutdown. */
  mcp: McpHub;
  /** Says "here I am" to the platform, retrying in the background until it answers. */
  startPing(signal?: AbortSignal): Promise<PingOutcome>;
}

/**
 * Loads (or creates) the credentials and instance env and wires the platform surface.
 * Throws `CredentialsError` / `InstanceEnvFileError` with one line naming what is wrong;
 * the CLI prints it and exits before listening.
 *
 * @example
 * const platform = await setupPlatform({ home, env: process.env });
 * const app = createDaemonApp({ auth: platform.auth, platform: platform.routes });
 * serve({ fetch: app.fetch, port }, () => void platform.startPing());
 */
export async function setupPlatform(options: PlatformSetupOptions): Promise<PlatformSetup> {
  const log = options.log ?? ((line: string) => console.log(line));
  const { credentials, created, notice } = await loadOrCreateCredentials({
    home: options.home,
    env: options.env,
  });
  log(
    notice ??
      `credentials: ${created ? "created a new daemon secret" : "reusing the daemon secret"} for ${credentials.machineId}`,
  );
  // Survives restarts: a captured request replayed after one is still refused.
  const replayCache = await openPersistentReplayCache({
    dir: join(options.home, ".iterate", "replay"),
    log,
  });
  const store = await createInstanceEnvStore({ file: join(options.home, ".iterate", "env.json") });
  const workspaceDir = join(options.home, "workspace");
  const daemonEnv = Object.freeze({ ...options.env, HOME: options.home });
  const machineEnv = createMachineEnv({
    base: daemonEnv,
    identity: credentials,
    workspaceDir,
    store,
  });
  const workspace = createWorkspaceBootstrapper({
    dir: workspaceDir,
    // The daemon's own git runs with the daemon's own env; from the instance env it takes
    // only the token, as a credential for the repository's host.
    env: () => daemonEnv,
    token: () => gitToken(machineEnv.runEnv()),
  });
  const mcp = createMcpHub({ workspaceDir, env: () => machineEnv.runEnv(), log });
  return {
    credentials,
    auth: platformAuth({
      secret: credentials.daemonSecret,
      machineId: credentials.machineId,
      replayCache,
    }),
    routes: {
      machineId: credentials.machineId,
      version: DAEMON_VERSION,
      startedAt: Date.now(),
      workspace,
      machineEnv,
      mcp,
    },
    machineEnv,
    mcp,
    startPing: (signal) =>
      pingPlatform({
        platformUrl: credentials.platformUrl,
        machineToken: credentials.machineToken,
        machineId: credentials.machineId,
        secret: credentials.daemonSecret,
        version: DAEMON_VERSION,
        fetch: options.fetch,
        log,
        signal,
      }),
  };
}

/** The https token for the instance repo: `GITHUB_TOKEN`, else `GIT_TOKEN`, of the machine env. */
function gitToken(env: Readonly<Record<string, string>>): string | undefined {
  return env.GITHUB_TOKEN || env.GIT_TOKEN || undefined;
}
