import { randomBytes } from "node:crypto";
import type {
  AgentError,
  MessageOrigin,
  SessionSummary,
  WebMessageRequest,
} from "@iterate/contract";
import { AppError } from "@iterate/contract";
import type { UserMessage } from "@mariozechner/pi-ai";
import type { McpHub } from "../mcp/mcp-hub.ts";
import type { AgentRun } from "./loop/agent-run.ts";
import { SILENT_OBSERVER } from "./loop/run-types.ts";
import { endDanglingRun, RESTARTED, retakeRecent } from "./restart-recovery.ts";
import { createRuntimeCloser } from "./runtime-closer.ts";
import type { Session } from "./session/session.ts";
import { createSessionRegistry } from "./session/session-registry.ts";
import { ensureSessionStream } from "./session/session-stream.ts";
import { summarizeSession } from "./session/session-summary.ts";
import type { StreamStore } from "./session/streams.ts";
import { sessionLink } from "./slack/session-link.ts";
import { createSlackConnector } from "./slack/slack-connector.ts";
import { createSlackEventHandler } from "./slack/slack-events.ts";
import { createSlackRunObserver } from "./slack/slack-run-observer.ts";
import { createCommandGroups } from "./tools/command-groups.ts";

/** Options of {@link createAgentRuntime}. */
export interface AgentRuntimeOptions {
  store: StreamStore;
  /** The instance env, re-read for every run (`setupPlatform().machineEnv`). */
  machineEnv: { runEnv(): Record<string, string> };
  /** `~/workspace`. */
  workspaceDir: string;
  log?: (line: string) => void;
  now?: () => number;
  /** Tests: shorter status-edit spacing, command time-out, delta batching. */
  statusThrottleMs?: number;
  commandTimeoutSeconds?: number;
  deltaFlushMs?: number;
  /** Reaches the LLM proxy when asking it why it refused (default the global fetch). */
  fetch?: typeof fetch;
  /** The machine's MCP servers (`setupPlatform().mcp`); without it runs get workspace tools only. */
  mcp?: McpHub;
  /**
   * Bytes of session streams whose conversations are held in memory (session-registry.ts: the
   * least recently used beyond it drop theirs, folded again when next needed); default 64 MiB.
   */
  maxLoadedSessionBytes?: number;
}

/** The agents of one machine: one session per Slack thread or web session. */
export interface AgentRuntime {
  /** The Slack edge's `onSlackEvent`. */
  handleSlackEvent(event: { stream: string; item: unknown }): Promise<void>;
  /** Starts a dashboard session with its first message; answers once the run has started. */
  startWebSession(input: WebMessageRequest): Promise<{ path: string; runId: string }>;
  /** A further message in a web session: steers a running agent, else starts a run. */
  sendMessage(path: string, input: WebMessageRequest): Promise<{ steered: boolean }>;
  /** Aborts the session's running agent; false when none runs. */
  stop(path: string, reason?: string): boolean;
  /** Sessions (streams with agent activity), newest activity first. */
  listSessions(): Promise<SessionSummary[]>;
  getSession(path: string): Promise<SessionSummary | null>;
  /** Ends runs a previous daemon left running (recorded and said in their thread); how many. */
  recoverInterrupted(): Promise<number>;
  /** Hands the agent again recent Slack messages no run took (restart-recovery.ts); how many. */
  retakeRecent(options?: { windowMs?: number }): Promise<number>;
  /**
   * Takes no more messages (503), stops every run as `interrupted` with `reason` (said in its
   * thread), and waits (bounded) for their ends to be recorded and told, and for messages being
   * taken up; how many runs it stopped. `final`: the machine goes away with its streams (a
   * retire), so a Slack message refused from now on is told `reason` too — after a restart
   * the next daemon takes such a message up again (`retakeRecent`) instead.
   */
  close(options?: { graceMs?: number; reason?: string; final?: boolean }): Promise<number>;
}

const SESSION_PREFIXES = ["slack/", "web/"];

/**
 * Builds the machine's agent runtime over the stream store. Each session's stream is its
 * memory: runs read the conversation from it and append everything they do, so a restarted
 * daemon continues where the last one stopped.
 *
 * @example
 * const agents = createAgentRuntime({ store, machineEnv: platform.machineEnv, workspaceDir });
 * await startDaemon({ ..., store, onSlackEvent: agents.handleSlackEvent, agentRuntime: agents });
 */
export function createAgentRuntime(options: AgentRuntimeOptions): AgentRuntime {
  const log = options.log ?? ((line: string) => console.log(line));
  const now = options.now ?? Date.now;
  const connector = createSlackConnector({ log });
  const commandGroups = createCommandGroups();
  const { sessions, sessionFor } = createSessionRegistry({
    store: options.store,
    log,
    maxLoadedBytes: options.maxLoadedSessionBytes,
  });
  const closer = createRuntimeCloser({
    sessions,
    connector,
    machineEnv: options.machineEnv,
    commandGroups,
    log,
  });

  async function startRun(
    session: Session,
    prompt: { message: UserMessage; origin: MessageOrigin },
    target: { channel: string; threadTs: string } | null,
    botUserId: string | null,
  ): Promise<AgentRun> {
    // The loop (pi-agent-core, pi-ai, the OpenAI client) loads with the first run, so a daemon
    // that never runs an agent never pays for it at start.
    const { startAgentRun } = await import("./loop/agent-run.ts");
    const env = options.machineEnv.runEnv();
    const slack = target ? await connector.client(env) : null;
    let runId = "";
    const observer =
      slack && target
        ? createSlackRunObserver({
            slack,
            channel: target.channel,
            threadTs: target.threadTs,
            link: sessionLink(env, session.path),
            statusThrottleMs: options.statusThrottleMs,
            log,
            onPost: (kind, ts) =>
              session.writer.write({
                type: "slack_post",
                runId,
                at: new Date(now()).toISOString(),
                kind,
                channel: target.channel,
                ts,
              }),
          })
        : null;
    const run = startAgentRun({
      path: session.path,
      source: session.source,
      history: [...(await session.history())],
      prompt,
      workspaceDir: options.workspaceDir,
      env,
      botUserId,
      writer: session.writer,
      observer: observer ?? SILENT_OBSERVER,
      now,
      deltaFlushMs: options.deltaFlushMs,
      commandTimeoutSeconds: options.commandTimeoutSeconds,
      commandGroups,
      fetch: options.fetch,
      mcp: options.mcp,
    });
    runId = run.runId;
    session.active = run;
    void run.done.then(({ result }) => {
      if (session.active === run) session.active = null;
      const why = result.error ? `: ${result.error.code} ${result.error.message}` : "";
      log(
        `agent: ${session.path} ${runId} ${result.outcome} (${result.toolCalls} tool calls)${why}`,
      );
    });
    return run;
  }

  /** Steers the running agent or starts a run; inside the session's `serial`. */
  async function takeMessage(
    session: Session,
    prompt: { message: UserMessage; origin: MessageOrigin },
    target: { channel: string; threadTs: string } | null,
    botUserId: string | null,
  ): Promise<{ steered: boolean; runId: string }> {
    if (closer.closing) return closer.refuse(target, prompt.origin);
    const active = session.active;
    if (active?.steer(prompt.message, prompt.origin)) return { steered: true, runId: active.runId };
    // A run past taking messages is finishing: the new message starts the next run after it.
    if (active) await active.done;
    // A run a previous daemon left open is closed before the next one starts (recovery at
    // start may not have reached this session yet).
    if ((await session.refresh()).dangling) await recoverOne(session, RESTARTED);
    // Closed while this message waited: no run may start on a machine that is going away.
    if (closer.closing) return closer.refuse(target, prompt.origin);
    const run = await startRun(session, prompt, target, botUserId);
    return { steered: false, runId: run.runId };
  }

  function webPrompt(input: WebMessageRequest): { message: UserMessage; origin: MessageOrigin } {
    return {
      message: { role: "user", content: [{ type: "text", text: input.text }], timestamp: now() },
      origin: { kind: "web", user: input.user ?? null },
    };
  }

  async function summaries(paths: string[]): Promise<SessionSummary[]> {
    const out: SessionSummary[] = [];
    for (const path of paths) {
      const session = sessionFor(path);
      const state = await session.refresh();
      const summary = summarizeSession(session, state);
      if (summary) out.push(summary);
    }
    return out.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  const recoverOne = (session: Session, error: AgentError) =>
    endDanglingRun(session, error, { machineEnv: options.machineEnv, connector, log, now });

  const handleSlackEvent = createSlackEventHandler({
    sessionFor,
    takeMessage: (session, prompt, target, botUserId) =>
      takeMessage(session, prompt, target, botUserId),
    connector,
    env: () => options.machineEnv.runEnv(),
    log,
    now,
  });

  return {
    handleSlackEvent,
    async startWebSession(input) {
      const path = `web/ses_${randomBytes(10).toString("hex")}`;
      await ensureSessionStream(options.store, path);
      const session = sessionFor(path);
      const { runId } = await session.serial(() =>
        takeMessage(session, webPrompt(input), null, null),
      );
      return { path, runId };
    },
    async sendMessage(path, input) {
      if (!path.startsWith("web/")) {
        throw new AppError("conflict", "Messages to Slack sessions are sent in Slack.", 409);
      }
      if (!options.store.head(path).ok) throw new AppError("not_found", "No such session.", 404);
      const session = sessionFor(path);
      const { steered } = await session.serial(() =>
        takeMessage(session, webPrompt(input), null, null),
      );
      return { steered };
    },
    stop(path, reason = "Stopped from the dashboard.") {
      const run = sessions.get(path)?.active;
      if (!run) return false;
      run.stop({ code: "stopped", message: reason });
      return true;
    },
    listSessions() {
      const paths = options.store
        .list()
        .map((info) => info.name)
        .filter((name) => SESSION_PREFIXES.some((prefix) => name.startsWith(prefix)));
      return summaries(paths);
    },
    async getSession(path) {
      if (!options.store.head(path).ok) return null;
      const session = sessionFor(path);
      return summarizeSession(session, await session.refresh());
    },
    async recoverInterrupted() {
      let count = 0;
      for (const info of options.store.list()) {
        if (!SESSION_PREFIXES.some((prefix) => info.name.startsWith(prefix))) continue;
        const session = sessionFor(info.name);
        if (await session.serial(() => recoverOne(session, RESTARTED)).catch(() => false)) count++;
      }
      return count;
    },
    retakeRecent: ({ windowMs } = {}) =>
      retakeRecent({ store: options.store, sessionFor, handleSlackEvent, log, now, windowMs }),
    close: (closing) => closer.close(closing),
  };
}
