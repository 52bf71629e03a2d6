/**
 * The fake OpenAI's side of the Node/workerd boundary: what `openai-global-setup.ts` hands to
 * the vitest config and to tests (`inject("fakeOpenAI")`), the shape of what the fake records,
 * and the per-request directives it obeys. Types and constants only, so both sides import it.
 */

/** How to reach the fake started by `openai-global-setup.ts`. */
export interface FakeOpenAIContext {
  /** The fake's origin; `GET {url}/__fake/requests` inspects it. */
  url: string;
  /** What the worker gets as `LLM_UPSTREAM_URL`: `${url}/v1`. */
  baseUrl: string;
  /** The one key the fake accepts — the worker's `OPENAI_API_KEY` in tests. */
  apiKey: string;
}

/** Statuses the fake can be told to answer with instead of a completion. */
export type FakeFailure = 500 | 429 | 401;

/** The fake's adjustable behaviour (`POST /__fake/config` or `fake.configure()`). */
export interface FakeOpenAIConfig {
  /** Delay before the response starts (headers and first chunk together), ms. */
  firstChunkDelayMs: number;
  /** Delay between streamed chunks, ms. */
  chunkDelayMs: number;
  /** Answer every request with this error instead; null = behave. */
  failWith: FakeFailure | null;
  /** Token counts reported in usage. */
  inputTokens: number;
  outputTokens: number;
}

/**
 * Per-request overrides, sent as string values of the request's `metadata` (which OpenAI's chat
 * and responses APIs accept), so concurrent tests do not share a switch. `fake_test_id` tags a
 * request for `GET /__fake/requests?testId=…`.
 */
export const FAKE_METADATA = {
  testId: "fake_test_id",
  /** 401, 429, 500, or a 3xx that redirects to the same path (a loop, if anyone followed it). */
  status: "fake_status",
  chunkDelayMs: "fake_chunk_delay_ms",
  firstChunkDelayMs: "fake_first_chunk_delay_ms",
  inputTokens: "fake_input_tokens",
  outputTokens: "fake_output_tokens",
} as const;

/** One request as the fake received it, and how its answer went. Headers are recorded fully. */
export interface RecordedOpenAIRequest {
  method: string;
  /** Path and query as sent, e.g. `/v1/chat/completions`. */
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON body, the raw text when not JSON, or null when empty. */
  body: unknown;
  /** `Date.now()` when the request was read. */
  receivedAt: number;
  /** The status answered. */
  status: number;
  /** Whether the answer was an SSE stream. */
  streamed: boolean;
  /** `Date.now()` after each write of the response body (one per SSE event). */
  chunksSentAt: number[];
  /** How many writes the whole answer takes. */
  chunksPlanned: number;
  /** `Date.now()` when the response ended; null while it is still being written. */
  finishedAt: number | null;
}

declare module "vitest" {
  export interface ProvidedContext {
    fakeOpenAI: FakeOpenAIContext;
  }
}
