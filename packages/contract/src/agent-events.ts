import { z } from "zod";
import { MCP_SERVER_STATES } from "./mcp.ts";

/**
 * The JSON items of an agent session's stream (`/agents/slack/<team>/<channel>/<thread_ts>` or
 * `/agents/web/<id>`), in the one place daemon, dashboard and tests read them from. A stream is
 * the session's whole record: replaying it restores the conversation (the `message` items, in
 * order, are exactly what the model saw) and tailing it shows the agent at work.
 *
 * Besides these, a Slack thread's stream holds the `slack_event` items the daemon's Slack edge
 * records (slack.ts); readers skip item types they do not know.
 */

/** Why a run ended without an answer: a closed set, each said in words in `message`. */
export const AGENT_ERROR_CODES = [
  /** The LLM proxy has no provider key (503 `llm_not_configured`), or the machine env lacks it. */
  "llm_not_configured",
  /** The instance's daily token budget is spent (429 `budget_exceeded`). */
  "budget_exceeded",
  /** The model (or the proxy in front of it) answered with an error or could not be reached. */
  "model_error",
  /** More tool calls in one run than `agents.maxTurns` allows. */
  "step_limit",
  /** A tool did not finish within the runtime's hard deadline. */
  "tool_timeout",
  /** Someone pressed Stop (`POST /agents-api/sessions/<path>/stop`). */
  "stopped",
  /** The daemon stopped or restarted while the run was going. */
  "interrupted",
  /** Anything else: a bug, said as it is. */
  "internal_error",
] as const;
export type AgentErrorCode = (typeof AGENT_ERROR_CODES)[number];

/** A run's error: a code for programs and a sentence for people (shown in the thread). */
export const agentErrorSchema = z.object({
  code: z.enum(AGENT_ERROR_CODES),
  message: z.string(),
});
export type AgentError = z.infer<typeof agentErrorSchema>;

/**
 * One conversation message as the agent loop (`@mariozechner/pi-ai`) holds it: `user`,
 * `assistant` (text, tool calls, usage, stop reason) or `toolResult`. Kept loose: the shape is
 * the library's, and a restore hands it back to the library as it was.
 */
export const agentMessageSchema = z.looseObject({
  role: z.enum(["user", "assistant", "toolResult"]),
  timestamp: z.number(),
});
export type AgentMessageRecord = z.infer<typeof agentMessageSchema>;

/** Where a user message came from. */
export const messageOriginSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("slack"),
    channel: z.string(),
    /** The Slack message's ts (its identity; reactions go on it). */
    ts: z.string(),
    user: z.string().nullable(),
  }),
  z.object({ kind: z.literal("web"), user: z.string().nullable() }),
]);
export type MessageOrigin = z.infer<typeof messageOriginSchema>;

const at = z.string(); // ISO 8601, when the daemon wrote the item

/** A run began: the agent took a user message and started working. */
export const runStartedItemSchema = z.object({
  type: z.literal("run_started"),
  runId: z.string(),
  at,
  model: z.string(),
  /** The message that started it. */
  origin: messageOriginSchema,
  /** `agents.maxTurns` in effect: the most tool calls this run may make. */
  maxToolCalls: z.number().int(),
});

/**
 * A complete conversation message: the user's (with its origin), the assistant's (text and tool
 * calls), a tool's result. `restored` marks messages rebuilt from Slack's own history.
 */
export const messageItemSchema = z.object({
  type: z.literal("message"),
  runId: z.string().nullable(),
  at,
  message: agentMessageSchema,
  origin: messageOriginSchema.optional(),
  restored: z.boolean().optional(),
});

/** Assistant text as it streams, batched (about every 100 ms), not one item per token. */
export const textDeltaItemSchema = z.object({
  type: z.literal("text_delta"),
  runId: z.string(),
  at,
  text: z.string(),
});

/** The agent called a tool (before it runs). */
export const toolCallItemSchema = z.object({
  type: z.literal("tool_call"),
  runId: z.string(),
  at,
  toolCallId: z.string(),
  name: z.string(),
  args: z.unknown(),
});

/** A tool finished: what the model was told (`output`, already capped) and whether it failed. */
export const toolResultItemSchema = z.object({
  type: z.literal("tool_result"),
  runId: z.string(),
  at,
  toolCallId: z.string(),
  name: z.string(),
  isError: z.boolean(),
  output: z.string(),
  durationMs: z.number(),
  /** Images the tool returned beside its text (an MCP tool's); the data is in the `message` item. */
  attachments: z
    .array(z.object({ type: z.literal("image"), mimeType: z.string(), bytes: z.number().int() }))
    .optional(),
});

/**
 * The MCP servers a run was offered tools from (`iterate.config.json` `mcpServers`), written
 * after `run_started` when any are configured: each server's state when the run began, its error
 * if it could not be used, and the tool names the model got.
 */
export const mcpServersItemSchema = z.object({
  type: z.literal("mcp_servers"),
  runId: z.string(),
  at,
  servers: z.array(
    z.object({
      name: z.string(),
      state: z.enum(MCP_SERVER_STATES),
      error: z.string().nullable(),
      tools: z.array(z.string()),
    }),
  ),
});

/** What the agent is doing, in a few words ("reading src/app.ts"): the Slack status line. */
export const statusItemSchema = z.object({
  type: z.literal("status"),
  runId: z.string(),
  at,
  text: z.string(),
});

/** Token usage of one model response. */
export const usageItemSchema = z.object({
  type: z.literal("usage"),
  runId: z.string(),
  at,
  model: z.string(),
  input: z.number(),
  output: z.number(),
  cacheRead: z.number(),
  cacheWrite: z.number(),
  totalTokens: z.number(),
});

/** A Slack message the agent posted for a run: its status line, or (part of) an answer. */
export const slackPostItemSchema = z.object({
  type: z.literal("slack_post"),
  runId: z.string(),
  at,
  kind: z.enum(["status", "answer"]),
  channel: z.string(),
  ts: z.string(),
});

/** The run ended: answered (`done`), or not, with the error said in words. */
export const runFinishedItemSchema = z.object({
  type: z.literal("run_finished"),
  runId: z.string(),
  at,
  outcome: z.enum(["done", "failed", "stopped", "interrupted"]),
  error: agentErrorSchema.nullable(),
  toolCalls: z.number().int(),
  durationMs: z.number(),
});

/** Earlier messages of the thread were rebuilt from Slack (`conversations.replies`). */
export const historyRestoredItemSchema = z.object({
  type: z.literal("history_restored"),
  at,
  source: z.literal("slack"),
  messages: z.number().int(),
});

/** Every item type the agent writes. */
export const agentItemSchema = z.discriminatedUnion("type", [
  runStartedItemSchema,
  messageItemSchema,
  textDeltaItemSchema,
  toolCallItemSchema,
  toolResultItemSchema,
  mcpServersItemSchema,
  statusItemSchema,
  usageItemSchema,
  slackPostItemSchema,
  runFinishedItemSchema,
  historyRestoredItemSchema,
]);
export type AgentItem = z.infer<typeof agentItemSchema>;
/** The item of one `type`, e.g. `AgentItemOf<"run_finished">`. */
export type AgentItemOf<T extends AgentItem["type"]> = Extract<AgentItem, { type: T }>;

/** A session's state as listings show it. */
export const SESSION_STATUSES = [
  "idle",
  "running",
  "done",
  "failed",
  "stopped",
  "interrupted",
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/**
 * One row of `GET /agents-api/sessions` (newest activity first): the stream path, where it
 * came from, what it is doing, and its latest words.
 */
export const sessionSummarySchema = z.object({
  /** Stream name, e.g. `slack/T1/C1/1712345678.000100` or `web/ses_…` (served at `/agents/<path>`). */
  path: z.string(),
  source: z.enum(["slack", "web"]),
  status: z.enum(SESSION_STATUSES),
  /** The first user message, shortened. */
  title: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  runs: z.number().int(),
  lastError: agentErrorSchema.nullable(),
});
export type SessionSummary = z.infer<typeof sessionSummarySchema>;

/** `POST /agents-api/web-sessions` and `POST /agents-api/sessions/<path>/messages` body. */
export const webMessageRequestSchema = z.object({
  text: z.string().min(1).max(32_000),
  /** Who wrote it, as the platform knows them (e.g. an email); shown to the model. */
  user: z.string().max(200).optional(),
});
export type WebMessageRequest = z.infer<typeof webMessageRequestSchema>;
