import {
  isMcpHttpServer,
  type McpServerConfig,
  type McpServerStatus,
  type McpToolInfo,
} from "@iterate/contract";
import type { AgentTool } from "@mariozechner/pi-agent-core";
import { readWorkspaceConfig } from "../workspace/config.ts";
import { createMcpConnection, type McpConnection, type McpTimings } from "./mcp-connection.ts";
import { createMcpAgentTool, MAX_DESCRIPTION, offeredNames } from "./mcp-tools.ts";
import { describeTarget, resolveMcpServer } from "./server-spec.ts";

/** `iterate.config.json`'s `mcpServers`. */
export type McpServersConfig = Record<string, McpServerConfig>;

/** The MCP servers as one run saw them (the `mcp_servers` stream item). */
export type McpRunServers = Array<{
  name: string;
  state: McpServerStatus["state"];
  error: string | null;
  tools: string[];
}>;

/** What a run holds while it may call MCP tools. */
export interface McpLease {
  tools: AgentTool[];
  servers: McpRunServers;
  /** The run is over; the servers stop after the idle time unless another run takes them. */
  release(): void;
}

/** The machine's MCP servers, shared by every session and `GET /platform/config`. */
export interface McpHub {
  /**
   * Brings the servers in line with the config (as just read) and the machine env of now:
   * a new server is added (started when needed), a removed one stopped, one whose config or
   * resolved values changed restarted. Cheap when nothing changed.
   */
  sync(servers: McpServersConfig | undefined): void;
  /**
   * For a run: syncs, starts what is not running (in parallel), and lends their tools. A run
   * stopped while they start (`signal`) gets an empty lease at once, already given back.
   */
  open(servers: McpServersConfig | undefined, signal?: AbortSignal): Promise<McpLease>;
  /** Each configured server, in config order, with its tools as offered. */
  status(): McpServerStatus[];
  /** Re-reads the workspace config and syncs: after the instance env or the workspace changed. */
  reload(): Promise<void>;
  /** Stops every server; the hub stays usable (a later `open` starts them again). */
  close(): Promise<void>;
}

/** Options of {@link createMcpHub}. */
export interface McpHubOptions extends McpTimings {
  workspaceDir: string;
  /** The machine env of the moment (`machineEnv.runEnv`): referenced values and stdio env. */
  env: () => Record<string, string>;
  log?: (line: string) => void;
  /** Servers stop this long after the last run using them ended. Default 10 minutes. */
  idleMs?: number;
  /** How long a run waits for servers still starting. Default 15 s. */
  runWaitMs?: number;
}

/** Most MCP tools one run is offered, beside the workspace tools. */
export const MAX_RUN_TOOLS = 100;

type Entry =
  | { connection: McpConnection }
  /** A server that cannot be started as configured (a reference the env lacks). */
  | { problem: McpServerStatus };

/**
 * Keeps the machine's MCP servers: started on demand by the runs that need them, kept while
 * runs use them (and for `idleMs` after), restarted with backoff when they crash, reloaded on
 * config and env changes, stopped with the daemon. A server that fails is reported and the
 * others go on.
 *
 * @example
 * const mcp = createMcpHub({ workspaceDir, env: machineEnv.runEnv });
 * const lease = await mcp.open(config.mcpServers); // lease.tools: linear__search, …
 * lease.release();
 */
export function createMcpHub(options: McpHubOptions): McpHub {
  const log = options.log ?? ((line: string) => console.log(line));
  const idleMs = options.idleMs ?? 10 * 60_000;
  const runWaitMs = options.runWaitMs ?? 15_000;
  let entries = new Map<string, Entry>();
  let leases = 0;
  let idleTimer: NodeJS.Timeout | undefined;

  function sync(servers: McpServersConfig | undefined) {
    const env = options.env();
    const next = new Map<string, Entry>();
    for (const [name, config] of Object.entries(servers ?? {})) {
      const old = entries.get(name);
      const oldConnection = old && "connection" in old ? old.connection : null;
      const spec = resolveMcpServer(name, config, { env, workspaceDir: options.workspaceDir });
      if ("error" in spec) {
        if (oldConnection) void oldConnection.stop();
        next.set(name, { problem: problemStatus(name, config, spec.error) });
        continue;
      }
      if (oldConnection?.spec.fingerprint === spec.fingerprint) {
        next.set(name, { connection: oldConnection });
        continue;
      }
      const connection = createMcpConnection({ ...options, spec, log });
      next.set(name, { connection });
      if (oldConnection) {
        const running = oldConnection.status().state !== "stopped";
        log(`mcp: ${name}: its config or env changed${running ? ", restarting" : ""}`);
        void oldConnection.stop();
        if (running) void connection.ensure();
      }
    }
    for (const [name, entry] of entries) {
      if (next.has(name) || !("connection" in entry)) continue;
      log(`mcp: ${name}: removed from the config, stopping`);
      void entry.connection.stop();
    }
    entries = next;
  }

  const connections = () =>
    [...entries.values()].flatMap((e) => ("connection" in e ? [e.connection] : []));

  /** One lease fewer; the last one starts the idle time after which the servers stop. */
  function giveBack(): void {
    leases--;
    if (leases > 0) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (leases > 0) return;
      log("mcp: no session used the servers for a while, stopping them");
      for (const connection of connections()) void connection.stop();
    }, idleMs);
    idleTimer.unref();
  }

  return {
    sync,
    async open(servers, signal) {
      if (signal?.aborted) return EMPTY_LEASE;
      sync(servers);
      leases++;
      clearTimeout(idleTimer);
      const current = [...entries.values()];
      // A server that hangs in `initialize` must not hold every run's first answer for its full
      // start time-out: past `runWaitMs` the run goes on, that server reported as starting.
      let waited: NodeJS.Timeout | undefined;
      let onAbort = () => {};
      await Promise.race([
        Promise.all(current.map((e) => ("connection" in e ? e.connection.ensure() : null))),
        new Promise((resolve) => {
          waited = setTimeout(resolve, runWaitMs);
          onAbort = () => resolve(null);
          signal?.addEventListener("abort", onAbort, { once: true });
        }),
      ]);
      clearTimeout(waited);
      signal?.removeEventListener("abort", onAbort);
      if (signal?.aborted) {
        giveBack();
        return EMPTY_LEASE;
      }
      const tools: AgentTool[] = [];
      const seen: McpRunServers = [];
      for (const entry of current) {
        if ("problem" in entry) {
          const { name, state, error } = entry.problem;
          seen.push({ name, state, error, tools: [] });
          continue;
        }
        const { connection } = entry;
        const server = connection.spec.name;
        const listed = offeredNames(server, connection.tools());
        // Providers refuse requests with too many tools (OpenAI: 128); the first ones win.
        const offered = listed.slice(0, Math.max(0, MAX_RUN_TOOLS - tools.length));
        const current = () => {
          const now = entries.get(server);
          return now && "connection" in now ? now.connection : null;
        };
        tools.push(
          ...offered.map(([name, tool]) => createMcpAgentTool(server, current, name, tool)),
        );
        const { name, state, error } = connection.status();
        const cut =
          offered.length < listed.length
            ? `only ${offered.length} of its ${listed.length} tools are offered (at most ${MAX_RUN_TOOLS} MCP tools per run)`
            : null;
        seen.push({
          name,
          state,
          // A ready server's latest failure is history; the run needs only what holds now.
          error: cut ?? (state === "ready" ? null : error),
          tools: offered.map(([offeredName]) => offeredName),
        });
      }
      let released = false;
      return {
        tools,
        servers: seen,
        release() {
          if (released) return;
          released = true;
          giveBack();
        },
      };
    },
    status() {
      return [...entries.values()].map((entry) => {
        if ("problem" in entry) return entry.problem;
        const { connection } = entry;
        const tools: McpToolInfo[] = offeredNames(connection.spec.name, connection.tools()).map(
          ([name, tool]) => ({
            name,
            tool: tool.name.slice(0, 200),
            // A server's description can be megabytes: the config response and the Tools page carry it.
            description: (tool.description ?? "").slice(0, MAX_DESCRIPTION),
          }),
        );
        return { ...connection.status(), tools };
      });
    },
    async reload() {
      try {
        const { config } = await readWorkspaceConfig(options.workspaceDir);
        sync(config.mcpServers);
      } catch {
        // Not bootstrapped or an invalid config: the servers stay as they are; the next run
        // and GET /platform/config report the config's problem.
      }
    },
    async close() {
      clearTimeout(idleTimer);
      await Promise.all(connections().map((c) => c.stop()));
    },
  };
}

function problemStatus(name: string, config: McpServerConfig, error: string): McpServerStatus {
  return {
    name,
    transport: isMcpHttpServer(config) ? "http" : "stdio",
    target: describeTarget(config),
    state: "failed",
    error,
    restarts: 0,
    retryAt: null,
    tools: [],
  };
}

/** What a run stopped before its servers were up gets: nothing to use, nothing to give back. */
const EMPTY_LEASE: McpLease = Object.freeze({ tools: [], servers: [], release() {} });
