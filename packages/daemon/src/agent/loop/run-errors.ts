import { type AgentError, errorBodySchema } from "@iterate/contract";

/** Statuses for which the platform's LLM proxy may have answered with a code of its own. */
const PROXY_REFUSAL_STATUSES = new Set([429, 503]);
const PROBE_TIMEOUT_MS = 5000;

/**
 * Turns a failed model turn into an error people can act on. pi-ai keeps only the message of the
 * OpenAI client's error, `"<status> <body message>"` (the client's documented format), so the
 * proxy's structured code is lost on the way. For a 429 or 503 the proxy is asked again, with
 * the cheapest request it serves (`GET models`), whether it refuses this machine and why: its
 * `budget_exceeded` / `llm_not_configured` answer then names the cause exactly, instead of
 * guessing from the status (an upstream rate limit is a 429 too) or matching message text.
 *
 * @example
 * await describeModelFailure("503 The platform has no LLM provider key …", { baseUrl, apiKey });
 * // { code: "llm_not_configured", message: "The LLM is not configured: The platform has no …" }
 */
export async function describeModelFailure(
  errorMessage: string,
  proxy: { baseUrl: string; apiKey: string; fetch?: typeof fetch },
): Promise<AgentError> {
  const match = /^(\d{3}) ([\s\S]*)$/.exec(errorMessage);
  const status = match ? Number(match[1]) : null;
  const detail = (match ? match[2] : errorMessage)?.trim() || "no details";
  if (status !== null && PROXY_REFUSAL_STATUSES.has(status)) {
    const refusal = await askProxy(proxy);
    if (refusal) return refusal;
  }
  if (status !== null) {
    return { code: "model_error", message: `The model answered ${status}: ${detail}` };
  }
  return { code: "model_error", message: `The model failed: ${detail}` };
}

/** The proxy's own refusal of this machine, or null when it has none (or cannot be asked). */
async function askProxy(proxy: {
  baseUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
}): Promise<AgentError | null> {
  const doFetch = proxy.fetch ?? fetch;
  try {
    const response = await doFetch(`${proxy.baseUrl.replace(/\/+$/, "")}/models`, {
      headers: { authorization: `Bearer ${proxy.apiKey}` },
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      redirect: "manual",
    });
    if (response.ok) {
      await response.body?.cancel();
      return null;
    }
    const body = errorBodySchema.safeParse(await response.json().catch(() => null));
    if (!body.success) return null;
    const { code, message } = body.data.error;
    if (code === "llm_not_configured") {
      return { code, message: `The LLM is not configured: ${message}` };
    }
    if (code === "budget_exceeded") {
      return { code, message: `The LLM budget is used up: ${message}` };
    }
    return null;
  } catch {
    return null;
  }
}

/** Words for an error that is not the model's: a bug or an I/O failure, said as it is. */
export function internalFailure(error: unknown): AgentError {
  const message = error instanceof Error ? error.message : String(error);
  return { code: "internal_error", message: `The agent failed: ${message}` };
}
