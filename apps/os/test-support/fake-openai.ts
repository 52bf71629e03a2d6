/**
 * A fake OpenAI-compatible API: a real HTTP server on 127.0.0.1 (STYLE.md 15) answering
 * `POST /v1/chat/completions` and `POST /v1/responses` (SSE when `stream: true`, JSON otherwise)
 * and `GET /v1/models`, recording every request with its headers and body and when each chunk
 * of the answer went out. Streams follow OpenAI's shapes:
 *
 * - chat: `data: {chat.completion.chunk}` events (role, content pieces, finish), then — only with
 *   `stream_options.include_usage` — a last chunk with `choices: []` and `usage`, then `data: [DONE]`
 * - responses: `event: response.created` … `response.output_text.delta` … `response.completed`
 *   whose `response.usage` has `input_tokens` / `output_tokens` / `total_tokens`
 *
 * Only `Authorization: Bearer <apiKey>` is accepted (else OpenAI's 401). Behaviour is set for all
 * requests (`configure()`, `POST /__fake/config`) or per request through `metadata` directives
 * (fake-openai-context.ts `FAKE_METADATA`). Inspection: `GET /__fake/requests[?testId=]`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Body, chatAnswer, responsesAnswer } from "./fake-openai-answers.ts";
import {
  FAKE_METADATA,
  type FakeOpenAIConfig,
  type RecordedOpenAIRequest,
} from "./fake-openai-context.ts";
import {
  type FakeResponder,
  type FakeScriptedReply,
  writeScriptedReply,
} from "./fake-openai-script.ts";

export type { FakeOpenAIConfig, FakeResponder, FakeScriptedReply, RecordedOpenAIRequest };

/** Options of {@link startFakeOpenAI}. */
export interface FakeOpenAIOptions extends Partial<FakeOpenAIConfig> {
  /** The one key accepted. */
  apiKey: string;
}

/** A running fake. */
export interface FakeOpenAI {
  /** Origin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The API base (`${url}/v1`): what `LLM_UPSTREAM_URL` or `OPENAI_BASE_URL` would be. */
  baseUrl: string;
  requests: RecordedOpenAIRequest[];
  configure(config: Partial<FakeOpenAIConfig>): void;
  /**
   * Scripted mode (fake-openai-script.ts): `responder` decides each chat completion's answer;
   * `null` (the default) restores the canned one.
   */
  respond(responder: FakeResponder | null): void;
  close(): Promise<void>;
}

/** The text every completion answers with, streamed in these pieces. */
const MODELS = ["gpt-fake", "gpt-fake-mini"];

const sleep = (ms: number) =>
  ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();

function json(res: ServerResponse, status: number, body: unknown, headers = {}) {
  res
    .writeHead(status, { "content-type": "application/json", ...headers })
    .end(JSON.stringify(body));
}

/** OpenAI's error body shape. */
function openaiError(message: string, type: string, code: string | null) {
  return { error: { message, type, param: null, code } };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * @example
 * const fake = await startFakeOpenAI({ apiKey: "sk-test-…", chunkDelayMs: 300 });
 * // worker: LLM_UPSTREAM_URL = fake.baseUrl, OPENAI_API_KEY = the same key
 */
export async function startFakeOpenAI(options: FakeOpenAIOptions): Promise<FakeOpenAI> {
  const { apiKey, ...initial } = options;
  const config: FakeOpenAIConfig = {
    firstChunkDelayMs: 0,
    chunkDelayMs: 0,
    failWith: null,
    inputTokens: 12,
    outputTokens: 5,
    ...initial,
  };
  const requests: RecordedOpenAIRequest[] = [];
  let responder: FakeResponder | null = null;
  let scripted = 0;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://fake");
    if (url.pathname === "/__fake/requests" && req.method === "GET") {
      const testId = url.searchParams.get("testId");
      const list = testId
        ? requests.filter(
            (r) => (r.body as Body | null)?.metadata?.[FAKE_METADATA.testId] === testId,
          )
        : requests;
      return json(res, 200, { requests: list });
    }
    if (url.pathname === "/__fake/config" && req.method === "POST") {
      Object.assign(config, (await readBody(req)) as Partial<FakeOpenAIConfig>);
      return json(res, 200, { config });
    }

    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    const recorded: RecordedOpenAIRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers,
      body,
      receivedAt: Date.now(),
      status: 0,
      streamed: false,
      chunksSentAt: [],
      chunksPlanned: 1,
      finishedAt: null,
    };
    requests.push(recorded);
    const answer = (status: number, payload: unknown, extra = {}) => {
      recorded.status = status;
      json(res, status, payload, extra);
      recorded.chunksSentAt.push(Date.now());
      recorded.finishedAt = Date.now();
    };

    const request = (typeof body === "object" && body !== null ? body : {}) as Body;
    const meta = request.metadata ?? {};
    const num = (key: string, fallback: number) =>
      meta[key] !== undefined && Number.isFinite(Number(meta[key])) ? Number(meta[key]) : fallback;
    const failWith = meta[FAKE_METADATA.status]
      ? Number(meta[FAKE_METADATA.status])
      : config.failWith;

    if (req.headers.authorization !== `Bearer ${apiKey}` || failWith === 401) {
      return answer(
        401,
        openaiError(
          `Incorrect API key provided: ${String(req.headers.authorization ?? "").slice(-4)}.`,
          "invalid_request_error",
          "invalid_api_key",
        ),
      );
    }
    if (typeof failWith === "number" && failWith >= 300 && failWith < 400) {
      return answer(failWith, { moved: true }, { location: url.pathname });
    }
    if (failWith === 429) {
      return answer(
        429,
        openaiError(
          "Rate limit reached for gpt-fake in organization org-FAKEORG0123456789 of project proj_FAKEPROJ012345 on requests per min (RPM): Limit 3, Used 3.",
          "requests",
          "rate_limit_exceeded",
        ),
        { "retry-after": "7" },
      );
    }
    if (failWith === 500) {
      return answer(
        500,
        openaiError("The server had an error while processing your request.", "server_error", null),
      );
    }

    const route = `${req.method} ${url.pathname}`;
    if (route === "GET /v1/models") {
      return answer(200, {
        object: "list",
        data: MODELS.map((id) => ({
          id,
          object: "model",
          created: 1_700_000_000,
          owned_by: "fake",
        })),
      });
    }
    if (route !== "POST /v1/chat/completions" && route !== "POST /v1/responses") {
      return answer(
        404,
        openaiError(`Unknown request URL: ${route}.`, "invalid_request_error", null),
      );
    }
    const usage = {
      input: num(FAKE_METADATA.inputTokens, config.inputTokens),
      output: num(FAKE_METADATA.outputTokens, config.outputTokens),
    };
    if (responder && url.pathname === "/v1/chat/completions") {
      const reply = await responder(recorded, scripted++);
      if (reply) return writeScriptedReply(res, recorded, reply, usage);
    }
    const created = Math.floor(Date.now() / 1000);
    const { events, whole } =
      url.pathname === "/v1/chat/completions"
        ? chatAnswer(request, usage, created)
        : responsesAnswer(request, usage, created);
    await sleep(num(FAKE_METADATA.firstChunkDelayMs, config.firstChunkDelayMs));
    if (request.stream !== true) return answer(200, whole, { "x-request-id": "req_fake" });

    recorded.status = 200;
    recorded.streamed = true;
    recorded.chunksPlanned = events.length;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-request-id": "req_fake",
      // Must never reach the machine: the proxy passes only a few headers on.
      "set-cookie": "fake_session=upstream-cookie; Path=/",
      "openai-organization": "org-fake-platform",
    });
    const delay = num(FAKE_METADATA.chunkDelayMs, config.chunkDelayMs);
    for (const [i, event] of events.entries()) {
      if (i > 0) await sleep(delay);
      if (res.destroyed) break;
      res.write(event);
      recorded.chunksSentAt.push(Date.now());
    }
    res.end();
    recorded.finishedAt = Date.now();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, openaiError(String(error), "fake_error", null));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    requests,
    configure(partial) {
      Object.assign(config, partial);
    },
    respond(next) {
      responder = next;
      scripted = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
