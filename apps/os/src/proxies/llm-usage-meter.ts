/**
 * Reads token usage out of a copy of an OpenAI-compatible response body (the proxy's `tee()`
 * branch), so the caller's copy streams on untouched. Where the usage is:
 *
 * - chat/completions streamed (`text/event-stream`): the last chunk has a top-level `usage`
 *   object (sent when `stream_options.include_usage` is true; other chunks carry `usage: null`)
 * - responses streamed: the `response.completed` event (also `.incomplete` / `.failed`) carries
 *   `response.usage`
 * - not streamed (`application/json`): top-level `usage`
 *
 * Chat counts are `prompt_tokens` / `completion_tokens`, responses counts `input_tokens` /
 * `output_tokens`; both have `total_tokens`. The last usage seen wins.
 */
import { z } from "zod";
import type { TokenUsage } from "../db/llm-usage.ts";

/** Largest SSE event or JSON body the meter holds a copy of; past it that body goes unmetered. */
export const MAX_METERED_BYTES = 16 * 1024 * 1024;

/** How the meter reads a body: by the upstream's `content-type`. */
export type MeterFormat = "sse" | "json";

const count = z.number().int().nonnegative();
const usageSchema = z.object({
  prompt_tokens: count.optional(),
  completion_tokens: count.optional(),
  input_tokens: count.optional(),
  output_tokens: count.optional(),
  total_tokens: count.optional(),
});
const withUsage = z.object({
  usage: z.unknown().optional(),
  response: z.object({ usage: z.unknown().optional() }).nullish(),
});

/** Cheap pre-check before parsing an event: does it hold a usage *object* (not `usage: null`)? */
const HAS_USAGE_OBJECT = /"usage"\s*:\s*\{/;

/** The normalised usage of a parsed chunk, event or body, if it has one. */
export function usageOf(value: unknown): TokenUsage | null {
  const outer = withUsage.safeParse(value);
  if (!outer.success) return null;
  const raw = outer.data.usage ?? outer.data.response?.usage;
  if (raw == null) return null;
  const parsed = usageSchema.safeParse(raw);
  if (!parsed.success) return null;
  const u = parsed.data;
  const inputTokens = u.prompt_tokens ?? u.input_tokens ?? 0;
  const outputTokens = u.completion_tokens ?? u.output_tokens ?? 0;
  return { inputTokens, outputTokens, totalTokens: u.total_tokens ?? inputTokens + outputTokens };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Reads `body` to its end and returns the usage it reported, or null (none reported, unparsable,
 * or too large). Never throws: metering must not break the response it observes.
 * @example const [toClient, toMeter] = upstream.body.tee(); ctx.waitUntil(meterUsage(toMeter, "sse").then(record));
 */
export async function meterUsage(
  body: ReadableStream<Uint8Array>,
  format: MeterFormat,
): Promise<TokenUsage | null> {
  const decoder = new TextDecoder();
  let found: TokenUsage | null = null;
  // SSE: the unfinished line, and the `data:` lines of the event being read (per the SSE spec an
  // event ends at a blank line; its data lines are joined with "\n"). JSON: the body so far.
  let pending = "";
  let data: string[] = [];
  let dataBytes = 0;
  let overflow = false;

  const dispatch = () => {
    const joined = data.join("\n");
    data = [];
    dataBytes = 0;
    if (!HAS_USAGE_OBJECT.test(joined)) return;
    found = usageOf(parseJson(joined)) ?? found;
  };
  const line = (text: string) => {
    if (text === "") return dispatch();
    if (!text.startsWith("data:")) return; // event:, id:, retry:, comments
    const value = text.slice(text.charAt(5) === " " ? 6 : 5);
    dataBytes += value.length;
    if (dataBytes > MAX_METERED_BYTES) data = [];
    else data.push(value);
  };
  const sse = (text: string) => {
    pending += text;
    const lines = pending.split(/\r\n|\r|\n/);
    pending = lines.pop() ?? "";
    // A single line longer than the limit is dropped rather than held.
    if (pending.length > MAX_METERED_BYTES) pending = "";
    for (const l of lines) line(l);
  };

  try {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      if (format === "sse") sse(text);
      else if (!overflow) {
        pending += text;
        if (pending.length > MAX_METERED_BYTES) {
          overflow = true;
          pending = "";
        }
      }
    }
    const rest = decoder.decode();
    if (format === "sse") {
      sse(rest);
      if (pending) line(pending);
      dispatch();
    } else if (!overflow) {
      found = usageOf(parseJson(pending + rest));
    }
  } catch {
    // The upstream broke off mid-stream: what was seen stands, including an event whose closing
    // blank line never came (its data lines are complete, and must parse as JSON to count).
    if (format === "sse") dispatch();
  }
  return found;
}
