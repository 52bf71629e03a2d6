import { randomBytes } from "node:crypto";
import type { AgentError, AgentItem, MessageOrigin } from "@iterate/contract";
import { Agent, type AgentMessage } from "@mariozechner/pi-agent-core";
import type { UserMessage } from "@mariozechner/pi-ai";
import type { McpHub, McpLease } from "../../mcp/mcp-hub.ts";
import type { SessionWriter } from "../session/session-writer.ts";
import type { CommandGroups } from "../tools/command-groups.ts";
import { createWorkspaceTools } from "../tools/workspace-tools.ts";
import { createDeltaBatcher } from "./delta-batcher.ts";
import { runModel, runStreamFn } from "./model.ts";
import { loadRunConfig } from "./run-config.ts";
import { describeModelFailure, internalFailure } from "./run-errors.ts";
import { createRunEventHandler } from "./run-events.ts";
import type { RunObserver, RunResult } from "./run-types.ts";
import { buildSystemPrompt } from "./system-prompt.ts";
import { withDeadline } from "./tool-deadline.ts";

/** Text deltas are recorded at most this often (one item per ~100 ms, not one per token). */
const DEFAULT_DELTA_FLUSH_MS = 100;

/** Options of {@link startAgentRun}. */
export interface AgentRunOptions {
  /** The session's stream path (also the provider's cache session id). */
  path: string;
  source: "slack" | "web";
  /** The conversation so far (restored from the stream). */
  history: AgentMessage[];
  prompt: { message: UserMessage; origin: MessageOrigin };
  workspaceDir: string;
  /** The machine env for this run (`runEnv()`, read now: hot reload applies per run). */
  env: Record<string, string>;
  botUserId: string | null;
  writer: SessionWriter;
  observer: RunObserver;
  now?: () => number;
  deltaFlushMs?: number;
  commandTimeoutSeconds?: number;
  /** The runtime's record of command process groups (ended when the daemon stops). */
  commandGroups?: CommandGroups;
  fetch?: typeof fetch;
  /** The machine's MCP servers; their tools are offered beside the workspace tools. */
  mcp?: McpHub;
}

/** A run in progress. */
export interface AgentRun {
  runId: string;
  /**
   * Hands a message from the same thread to the running agent: it is read after the current
   * step (steering). False once the run is past taking messages; start a new run after `done`.
   */
  steer(message: UserMessage, origin: MessageOrigin): boolean;
  /** Aborts the run (the model request and any running command) with this error. */
  stop(error: AgentError): void;
  /** Settles once the run's end is recorded, with the messages it added to the conversation. */
  done: Promise<{ result: RunResult; messages: AgentMessage[] }>;
}

/**
 * Runs the agent once: the user's message, then model turns and tool calls until the model
 * answers, fails, is stopped or hits the step limit. Everything is appended to the session's
 * stream as it happens (contract `agent-events.ts`); the observer shows progress and answers.
 * Never rejects: every failure becomes the run's recorded, worded error.
 *
 * @example
 * const run = startAgentRun({ path, source: "web", history, prompt, workspaceDir, env, botUserId: null, writer, observer });
 * const { result } = await run.done; // result.outcome === "done"
 */
export function startAgentRun(options: AgentRunOptions): AgentRun {
  const now = options.now ?? Date.now;
  const runId = `run_${randomBytes(8).toString("hex")}`;
  const at = () => new Date(now()).toISOString();
  const write = (item: AgentItem) => options.writer.write(item);
  const origins = new WeakMap<object, MessageOrigin>([
    [options.prompt.message, options.prompt.origin],
  ]);
  const allOrigins: MessageOrigin[] = [options.prompt.origin];
  // Steered messages not yet seen in the conversation (the agent reads them between steps).
  const unread = new Set<UserMessage>();
  const recorded: AgentMessage[] = [];
  let agent: Agent | null = null;
  let closed = false;
  let failure: AgentError | null = null;
  let toolCalls = 0;
  let answered = false;
  let mcp: McpLease | null = null;

  /** Aborted at the first failure (a Stop included): waits before the loop starts end with it. */
  const stopped = new AbortController();
  const fail = (error: AgentError) => {
    failure ??= error;
    agent?.abort();
    stopped.abort();
  };

  const record = (message: AgentMessage) => {
    recorded.push(message);
    unread.delete(message as UserMessage);
    write({
      type: "message",
      runId,
      at: at(),
      message: message as never,
      origin: origins.get(message),
    });
  };

  async function run(): Promise<RunResult> {
    const started = now();
    const config = await loadRunConfig(options.workspaceDir);
    write({
      type: "run_started",
      runId,
      at: at(),
      model: config.model,
      origin: options.prompt.origin,
      maxToolCalls: config.maxToolCalls,
    });
    options.observer.started();
    const baseUrl = options.env.OPENAI_BASE_URL;
    const apiKey = options.env.OPENAI_API_KEY;
    if (!baseUrl || !apiKey) {
      record(options.prompt.message);
      failure = {
        code: "llm_not_configured",
        message: `The LLM is not configured: the machine env has no ${baseUrl ? "OPENAI_API_KEY" : "OPENAI_BASE_URL"}.`,
      };
      return finish(started);
    }
    const deltas = createDeltaBatcher(options.deltaFlushMs ?? DEFAULT_DELTA_FLUSH_MS, (text) =>
      write({ type: "text_delta", runId, at: at(), text }),
    );
    // Synced even without servers: a config that dropped them stops them. A Stop while servers
    // are still starting ends the wait at once (the hub keeps no lease for it).
    mcp = (await options.mcp?.open(config.mcpServers, stopped.signal)) ?? null;
    if (failure) {
      record(options.prompt.message);
      return finish(started);
    }
    if (mcp && mcp.servers.length > 0) {
      write({ type: "mcp_servers", runId, at: at(), servers: mcp.servers });
    }
    const tools = [
      ...createWorkspaceTools(
        { workspaceDir: options.workspaceDir, env: options.env },
        { defaultTimeoutSeconds: options.commandTimeoutSeconds, groups: options.commandGroups },
      ).map((tool) => withDeadline(tool, options.commandTimeoutSeconds, fail)),
      // Each MCP call has its own time-out (the server's toolTimeoutSeconds) and ends with the run.
      ...(mcp?.tools ?? []),
    ];
    agent = new Agent({
      initialState: {
        systemPrompt: buildSystemPrompt({
          config,
          workspaceDir: options.workspaceDir,
          source: options.source,
          botUserId: options.botUserId,
          mcpServers: mcp?.servers,
        }),
        model: runModel({ id: config.model, baseUrl }),
        thinkingLevel: "off",
        tools,
        messages: options.history,
      },
      streamFn: runStreamFn({ apiKey, refuse: () => failure }),
      // One at a time: a write and a command that reads it must not race.
      toolExecution: "sequential",
      sessionId: options.path,
      beforeToolCall: async () => {
        toolCalls++;
        if (toolCalls <= config.maxToolCalls) return undefined;
        const message = `Stopped after ${config.maxToolCalls} tool calls, the limit for one request (agents.maxTurns in iterate.config.json).`;
        failure ??= { code: "step_limit", message };
        return { block: true, reason: `${message} Do not call more tools.` };
      },
    });
    for (const message of unread) agent.steer(message);
    const onEvent = createRunEventHandler({
      runId,
      at,
      now,
      write,
      record,
      deltas,
      observer: options.observer,
      answered: () => {
        answered = true;
      },
    });
    agent.subscribe((event) => {
      try {
        onEvent(event);
      } catch (error) {
        options.observer.status("an internal error occurred");
        fail(internalFailure(error));
      }
    });

    await agent.prompt(options.prompt.message);
    // A message steered in after the loop last looked would sit unread: run on for it. The
    // check and `closed` happen in one synchronous step, so no steer can slip in between.
    while (!failure && agent.hasQueuedMessages()) await agent.continue();
    closed = true;
    deltas.flush();
    return finish(started);
  }

  async function finish(started: number): Promise<RunResult> {
    closed = true;
    agent?.clearAllQueues();
    // Messages steered in but never read (the run failed first) still belong to the thread.
    for (const message of [...unread]) record(message);
    let error = failure;
    const last = agent?.state.messages.at(-1);
    if (!error && last?.role === "assistant" && last.stopReason === "error") {
      error = await describeModelFailure(last.errorMessage ?? "", {
        baseUrl: options.env.OPENAI_BASE_URL ?? "",
        apiKey: options.env.OPENAI_API_KEY ?? "",
        fetch: options.fetch,
      });
    } else if (!error && last?.role === "assistant" && last.stopReason === "aborted") {
      error = { code: "stopped", message: "The run was aborted." };
    }
    const outcome: RunResult["outcome"] = !error
      ? "done"
      : error.code === "stopped"
        ? "stopped"
        : error.code === "interrupted"
          ? "interrupted"
          : "failed";
    return {
      runId,
      outcome,
      error,
      toolCalls: Math.min(toolCalls, Number.MAX_SAFE_INTEGER),
      durationMs: now() - started,
      origins: allOrigins,
      answered,
    };
  }

  const done = run()
    .catch((error: unknown): RunResult => {
      closed = true;
      return {
        runId,
        outcome: "failed",
        error: internalFailure(error),
        toolCalls,
        durationMs: 0,
        origins: allOrigins,
        answered,
      };
    })
    .then(async (result) => {
      mcp?.release();
      // The answer is in the thread before the run is on record as finished: a daemon killed
      // in between restarts into an unfinished run and says it was interrupted, where a run
      // recorded first would stay "done" with its answer never posted.
      await options.observer.answered().catch(() => {});
      write({
        type: "run_finished",
        runId,
        at: at(),
        outcome: result.outcome,
        error: result.error,
        toolCalls: result.toolCalls,
        durationMs: result.durationMs,
      });
      await options.writer.flush();
      await options.observer.finished(result).catch(() => {});
      return { result, messages: recorded };
    });

  return {
    runId,
    steer(message, origin) {
      if (closed) return false;
      origins.set(message, origin);
      allOrigins.push(origin);
      unread.add(message);
      agent?.steer(message);
      return true;
    },
    stop(error) {
      fail(error);
    },
    done,
  };
}
