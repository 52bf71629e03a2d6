import { AppError } from "@iterate/contract";

/**
 * What the LLM proxy sends upstream and hands back: the allowlist of OpenAI paths, a request
 * built from scratch around the real key (nothing of the caller's but its body, content type and
 * accept), and the few upstream response headers worth passing on.
 */

/** OpenAI paths (after `/v1/`) a machine may call, with the one method each takes. */
export const LLM_PROXY_ROUTES: Readonly<Record<string, "GET" | "POST">> = {
  "chat/completions": "POST",
  responses: "POST",
  models: "GET",
};

/** Upstream response headers passed to the caller; everything else (cookies, org ids, rate-limit
 * details of the platform's account, encodings the runtime already undid) stays behind. */
export const PASSED_RESPONSE_HEADERS = ["content-type", "retry-after", "x-request-id"] as const;

/** Largest upstream error body the proxy reads to pass on (they are a few hundred bytes). */
export const MAX_UPSTREAM_ERROR_BYTES = 64 * 1024;

/**
 * An upstream error's text without the platform's account ids: OpenAI's rate-limit words name
 * its organization (`org-…`) and project (`proj_…`), which are not the machine's business and
 * would reach a Slack thread in the agent's error message.
 * @example withoutAccountIds("… in organization org-abc123 on tokens …"); // "… org-… on tokens …"
 */
export function withoutAccountIds(text: string): string {
  return text
    .replace(/\borg-[A-Za-z0-9]{4,}/g, "org-…")
    .replace(/\bproj_[A-Za-z0-9]{4,}/g, "proj_…");
}

/** Largest request body the proxy forwards (prompts with inline images get large). */
export const MAX_LLM_REQUEST_BYTES = 32 * 1024 * 1024;

/**
 * The body the proxy forwards, checked and adjusted for the meter (parsed once):
 *
 * - Refused (`400 validation_failed`, nothing forwarded): what the meter cannot count, which
 *   would let a machine spend past its daily cap — a background response (it finishes after the
 *   answer, whose usage is empty); a tool OpenAI runs and bills per call, not in the token usage
 *   (web search, file search, code interpreter, image generation); a search model (it searches on
 *   every request); a stored prompt (it may bring such tools along). Tools the caller runs
 *   (function, custom, local shell, apply patch, computer use…) are billed as tokens and pass.
 * - A streamed chat completion gets `stream_options.include_usage: true`, so the upstream always
 *   sends the final usage chunk the meter reads — without it a caller could stream tokens
 *   unmetered. The caller sees one extra last chunk with `choices: []` and `usage`, which OpenAI
 *   documents and its SDKs handle.
 *
 * A body that is not a JSON object is refused too (`validation_failed`); anything else is
 * returned as it came, byte for byte.
 * @example const bytes = meteredBody("chat/completions", new Uint8Array(await req.arrayBuffer()));
 */
export function meteredBody(path: string, body: Uint8Array): Uint8Array {
  if (body.byteLength === 0) return body;
  const request = jsonObject(body);
  // Checked only as JSON parses here: a more lenient parser upstream (NaN, say) could read
  // tools this one never saw, so a body this one cannot read is not forwarded at all.
  if (!request) throw new AppError("validation_failed", "The request body must be a JSON object.");
  const unmeterable = unmeterableFeature(request);
  if (unmeterable) {
    throw new AppError(
      "validation_failed",
      `The LLM proxy does not forward ${unmeterable}: their cost is not in the token usage the daily cap counts.`,
    );
  }
  if (path !== "chat/completions" || request.stream !== true) return body;
  const options =
    typeof request.stream_options === "object" && request.stream_options !== null
      ? (request.stream_options as Record<string, unknown>)
      : {};
  if (options.include_usage === true) return body;
  return new TextEncoder().encode(
    JSON.stringify({ ...request, stream_options: { ...options, include_usage: true } }),
  );
}

/** Tool types OpenAI runs itself and bills per call (web_search_preview, …_2025_08_26 too). */
const PER_CALL_TOOLS = /^(web_search|file_search|code_interpreter|image_generation)/;

function unmeterableFeature(request: Record<string, unknown>): string | null {
  if (request.background !== undefined && request.background !== false) {
    return "background responses";
  }
  if (request.web_search_options !== undefined) return "web search (web_search_options)";
  // A `search` part of the name (gpt-4o-search-preview, gpt-5-search-api), not any word holding
  // it: `ft:gpt-4o:acme:research-bot` is an ordinary model.
  if (typeof request.model === "string" && /(?:^|[-:_.])search(?:$|[-:_.])/i.test(request.model)) {
    return `search models (${request.model})`;
  }
  if (request.prompt !== undefined) return "stored prompts (prompt)";
  if (Array.isArray(request.tools)) {
    for (const tool of request.tools as unknown[]) {
      const type = (tool as { type?: unknown } | null)?.type;
      if (typeof type === "string" && PER_CALL_TOOLS.test(type)) return `hosted tools (${type})`;
    }
  }
  return null;
}

function jsonObject(body: Uint8Array): Record<string, unknown> | null {
  if (body.byteLength === 0) return null;
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(body));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * The upstream request: `${upstreamUrl}/${path}` (no query: none of the allowed paths takes one)
 * with fresh headers — only the real key, and the caller's content type and accept. Redirects are not followed (`manual`): a redirect would
 * carry the key to wherever it points.
 * @example const res = await fetch(...upstreamRequest({ upstreamUrl, apiKey, path, method, caller, body }));
 */
export function upstreamRequest(input: {
  upstreamUrl: string;
  apiKey: string;
  path: string;
  method: string;
  caller: Headers;
  body: ArrayBuffer | Uint8Array | null;
}): [string, RequestInit] {
  const headers = new Headers({ authorization: `Bearer ${input.apiKey}` });
  for (const name of ["content-type", "accept"]) {
    const value = input.caller.get(name);
    if (value !== null) headers.set(name, value);
  }
  const url = `${input.upstreamUrl.replace(/\/+$/, "")}/${input.path}`;
  return [url, { method: input.method, headers, body: input.body, redirect: "manual" }];
}

/** The headers of the proxy's answer: the passed ones, and never cached. */
export function proxyResponseHeaders(upstream: Headers): Headers {
  const headers = new Headers({ "cache-control": "no-store" });
  for (const name of PASSED_RESPONSE_HEADERS) {
    const value = upstream.get(name);
    if (value !== null) headers.set(name, value);
  }
  return headers;
}
