/**
 * `/api/llm/openai/v1/*` — the machine's OpenAI-compatible endpoint (`OPENAI_BASE_URL`), so the
 * real provider key never enters a sandbox (ARCHITECTURE "Platform routes").
 *
 * In order: the machine token (`machineAuth()`, live machines only → else 401); the path on the
 * allowlist (→ else 404) with its method (→ else 405); `OPENAI_API_KEY` set (→ else 503
 * `llm_not_configured`); the instance's daily budget not spent (→ else 429 `budget_exceeded`
 * with `Retry-After`). Then a fresh request to `LLM_UPSTREAM_URL` (llm-upstream.ts), and the
 * upstream's answer streamed straight back — its own body stream, status and content type, no
 * buffering, so SSE chunks reach the machine when the provider sends them.
 *
 * Metering: a successful SSE or JSON body is `tee()`d; the copy is read after the response has
 * started (`waitUntil`) and its usage added to the machine's row for the UTC day the request
 * began (llm-usage-meter.ts, db/llm-usage.ts). The cap is checked before each request, so
 * requests already in flight when it is reached may end a little above it.
 */
import { AppError } from "@iterate/contract";
import { Hono } from "hono";
import type { Bindings } from "../app-env.ts";
import { createDb } from "../db/client.ts";
import { recordLlmUsage, type TokenUsage } from "../db/llm-usage.ts";
import { readRawBody } from "../http/raw-body.ts";
import { type MachineAuthVariables, machineAuth } from "../middleware/machine-auth.ts";
import { budgetExceeded, effectiveDailyTokenCap, utcDay } from "./llm-budget.ts";
import {
  LLM_PROXY_ROUTES,
  MAX_LLM_REQUEST_BYTES,
  MAX_UPSTREAM_ERROR_BYTES,
  meteredBody,
  proxyResponseHeaders,
  upstreamRequest,
  withoutAccountIds,
} from "./llm-upstream.ts";
import { type MeterFormat, meterUsage } from "./llm-usage-meter.ts";

/** Dependencies of {@link llmProxyRoutes}; defaults are the runtime's. */
export interface LlmProxyOptions {
  /** Reaches the upstream; default the global `fetch`. */
  fetch?: typeof fetch;
  /** The clock that picks the UTC day; default `new Date()`. */
  now?: () => Date;
}

/** Context variables of the proxy: machineAuth's, and when the request began. */
type LlmProxyVariables = MachineAuthVariables & {
  /** When the request began: picks the UTC day it counts against. */
  requestedAt: Date;
};

type LlmProxyEnv = { Bindings: Bindings; Variables: LlmProxyVariables };

/** Statuses whose responses cannot carry a body. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function meterFormat(contentType: string | null): MeterFormat | null {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  if (type === "text/event-stream") return "sse";
  if (type === "application/json") return "json";
  return null;
}

/** The request body, capped (a chunked body is cut off at the cap, never buffered past it). */
async function readBody(req: Request): Promise<Uint8Array | null> {
  if (req.method === "GET" || req.method === "HEAD") return null;
  return readRawBody(req, MAX_LLM_REQUEST_BYTES);
}

/**
 * @example api.route("/llm/openai/v1", llmProxyRoutes()); // before the `/instances/*` auth
 */
export function llmProxyRoutes(options: LlmProxyOptions = {}) {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? (() => new Date());

  return (
    new Hono<LlmProxyEnv>()
      .use("*", async function requestClock(c, next) {
        c.set("requestedAt", now());
        await next();
      })
      // The budget state is read by machineAuth's one query: no D1 round trip of its own.
      .use("*", machineAuth({ budgetDay: (c) => utcDay(c.get("requestedAt")) }))
      .all("/:path{.+}", async (c) => {
        const path = c.req.param("path");
        const method = Object.hasOwn(LLM_PROXY_ROUTES, path) ? LLM_PROXY_ROUTES[path] : undefined;
        if (!method) {
          throw new AppError(
            "not_found",
            `The LLM proxy forwards only ${Object.keys(LLM_PROXY_ROUTES).join(", ")}.`,
          );
        }
        if (c.req.method !== method) {
          c.header("allow", method);
          throw new AppError("method_not_allowed", `${path} takes ${method}.`);
        }
        const apiKey = c.env.OPENAI_API_KEY;
        if (!apiKey) {
          throw new AppError(
            "llm_not_configured",
            "The platform has no LLM provider key (OPENAI_API_KEY); ask its operator to set one.",
          );
        }

        const machine = c.var.machine;
        const db = createDb(c.env.DB);
        const started = c.var.requestedAt;
        const day = utcDay(started);
        const budget = c.var.machineBudget;
        const { cap } = effectiveDailyTokenCap(budget?.instanceCap, c.env.LLM_DAILY_TOKEN_CAP);
        const used = budget?.used ?? 0;
        if (used >= cap) {
          const { error, retryAfterSeconds } = budgetExceeded({ cap, used, now: started });
          c.header("retry-after", String(retryAfterSeconds));
          throw error;
        }

        const body = await readBody(c.req.raw);
        const forwarded = body && meteredBody(path, body);
        let upstream: Response;
        try {
          upstream = await doFetch(
            ...upstreamRequest({
              upstreamUrl: c.env.LLM_UPSTREAM_URL,
              apiKey,
              path,
              method,
              caller: c.req.raw.headers,
              body: forwarded,
            }),
          );
        } catch {
          throw new AppError("upstream_error", "The LLM provider could not be reached.");
        }

        const record = (usage: TokenUsage | null) =>
          recordLlmUsage(db, {
            instanceId: machine.instanceId,
            machineId: machine.id,
            day,
            usage,
          }).catch((error: unknown) => {
            console.error(
              "llm usage not recorded",
              machine.id,
              error instanceof Error ? error.name : "",
            );
          });

        if (upstream.status >= 300 && upstream.status < 400) {
          await upstream.body?.cancel();
          throw new AppError("upstream_error", "The LLM provider answered with a redirect.");
        }
        if (upstream.status === 401 || upstream.status === 403) {
          // The provider refused the *platform's* key. Its answer may quote part of that key, and a
          // 401 would tell the machine its own token is wrong: neither is passed on.
          await upstream.body?.cancel();
          c.executionCtx.waitUntil(record(null));
          throw new AppError(
            "upstream_error",
            "The LLM provider refused the platform's API key; ask the platform's operator to check OPENAI_API_KEY.",
          );
        }

        const headers = proxyResponseHeaders(upstream.headers);
        if (NULL_BODY_STATUSES.has(upstream.status)) {
          await upstream.body?.cancel();
          c.executionCtx.waitUntil(record(null));
          return new Response(null, { status: upstream.status, headers });
        }
        if (!upstream.ok && upstream.body) {
          // Read whole (they are small) to pass on without the platform's account ids.
          c.executionCtx.waitUntil(record(null));
          const bytes = await readRawBody(upstream, MAX_UPSTREAM_ERROR_BYTES).catch(() => null);
          if (!bytes) {
            throw new AppError("upstream_error", `The LLM provider answered ${upstream.status}.`);
          }
          return new Response(withoutAccountIds(new TextDecoder().decode(bytes)), {
            status: upstream.status,
            headers,
          });
        }
        const format = upstream.ok ? meterFormat(upstream.headers.get("content-type")) : null;
        if (!upstream.body || !format) {
          c.executionCtx.waitUntil(record(null));
          return new Response(upstream.body, { status: upstream.status, headers });
        }
        // The caller gets one branch as it arrives; the meter reads the other after the response
        // has started. Should the caller go away, the meter still reads to the end: the provider
        // counts those tokens too.
        const [toClient, toMeter] = upstream.body.tee();
        c.executionCtx.waitUntil(meterUsage(toMeter, format).then(record));
        return new Response(toClient, { status: upstream.status, headers });
      })
  );
}
