import type { AgentError } from "@iterate/contract";
import type { StreamFn } from "@mariozechner/pi-agent-core";
import {
  type AssistantMessage,
  createAssistantMessageEventStream,
  type Model,
} from "@mariozechner/pi-ai";
import { streamSimpleOpenAICompletions } from "@mariozechner/pi-ai/openai-completions";

/** The model when `iterate.config.json` names none (`agents.model`). */
export const DEFAULT_AGENT_MODEL = "gpt-5-mini";
/** How long one model request may take before it fails (the proxy streams, so this is generous). */
const MODEL_TIMEOUT_MS = 5 * 60_000;

/**
 * The model of one run: OpenAI-compatible chat completions (streamed) at the machine env's
 * `OPENAI_BASE_URL` — the platform's LLM proxy, which holds the real key. Read per run, so a
 * `PUT /platform/env` reaches the next run without a restart.
 *
 * @example const model = runModel({ id: "gpt-5-mini", baseUrl: env.OPENAI_BASE_URL });
 */
export function runModel(options: { id: string; baseUrl: string }): Model<"openai-completions"> {
  return {
    id: options.id,
    name: options.id,
    api: "openai-completions",
    provider: "openai",
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    reasoning: false,
    input: ["text"],
    // Cost is metered by the platform's proxy, not here.
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    contextWindow: 200_000,
    maxTokens: 16_384,
  };
}

/**
 * The loop's stream function: pi-ai's OpenAI chat-completions client with this run's key and
 * no client-side retries (the proxy's 429 and 503 are answers to show, not to retry for
 * minutes), and a gate: when `refuse()` returns an error (the step limit was hit) no request
 * is made and the turn ends with that error, which ends the run.
 *
 * The provider module is imported directly, not through pi-ai's provider registry, which
 * would pull every other provider's SDK into the daemon.
 *
 * @example const streamFn = runStreamFn({ apiKey: env.OPENAI_API_KEY, refuse: () => null });
 */
export function runStreamFn(options: {
  apiKey: string;
  refuse: () => AgentError | null;
}): StreamFn {
  return (model, context, streamOptions) => {
    const refusal = options.refuse();
    if (refusal) return refusedStream(model, refusal.message);
    return streamSimpleOpenAICompletions(model as Model<"openai-completions">, context, {
      ...streamOptions,
      apiKey: options.apiKey,
      maxRetries: 0,
      timeoutMs: MODEL_TIMEOUT_MS,
    });
  };
}

function refusedStream(model: Model<string>, message: string) {
  const stream = createAssistantMessageEventStream();
  const error: AssistantMessage = {
    role: "assistant",
    content: [],
    api: model.api,
    provider: model.provider,
    model: model.id,
    usage: {
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite: 0,
      totalTokens: 0,
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
    },
    stopReason: "error",
    errorMessage: message,
    timestamp: Date.now(),
  };
  stream.push({ type: "error", reason: "error", error });
  stream.end(error);
  return stream;
}
