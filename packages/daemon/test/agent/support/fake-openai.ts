import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createWaiters, listenLocal } from "../../platform/support/http-fake.ts";

/** One chat-completions request as the fake received it. */
export interface RecordedChatRequest {
  authorization: string | undefined;
  body: {
    model: string;
    messages: Array<{
      role: string;
      content: unknown;
      tool_calls?: unknown[];
      tool_call_id?: string;
    }>;
    tools?: Array<{ function: { name: string } }>;
    stream?: boolean;
    [key: string]: unknown;
  };
  /** `performance.now()` when it arrived. */
  at: number;
}

/** What the fake answers a request with. */
export type FakeReply =
  /** Streamed text, in `chunks` pieces (default: a few words each), `chunkDelayMs` apart. */
  | { text: string; chunks?: number; chunkDelayMs?: number }
  /** One assistant message calling these tools. */
  | { toolCalls: Array<{ name: string; args: Record<string, unknown> }> }
  /** An HTTP error with a contract-style body `{ error: { code, message } }`. */
  | { status: number; code: string; message: string }
  /** Starts streaming, then never finishes (until the client goes away). */
  | { hang: true };

export type FakeResponder = (
  request: RecordedChatRequest,
  index: number,
) => FakeReply | Promise<FakeReply>;

/** A real OpenAI-compatible server on 127.0.0.1: `POST /v1/chat/completions` (SSE), `GET /v1/models`. */
export interface FakeOpenAI {
  /** The `OPENAI_BASE_URL` to give the machine (`http://127.0.0.1:<port>/v1`). */
  baseUrl: string;
  requests: RecordedChatRequest[];
  /** Replaces how requests are answered. */
  respond(responder: FakeResponder): void;
  /**
   * Every request (chat and models) answered with this error until cleared: the platform
   * proxy's `llm_not_configured` / `budget_exceeded` refusals.
   */
  refuse(refusal: { status: number; code: string; message: string } | null): void;
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedChatRequest[]>;
  close(): Promise<void>;
}

/** The text of the last user message of a request (what the user just said). */
export function lastUserText(request: RecordedChatRequest): string {
  const users = request.body.messages.filter((m) => m.role === "user");
  return contentText(users.at(-1)?.content);
}

/** The text of a message's content (a string, or text parts). */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((p) => (typeof p?.text === "string" ? p.text : "")).join("");
  }
  return "";
}

/** Tool results of a request, in order. */
export function toolResults(request: RecordedChatRequest): string[] {
  return request.body.messages.filter((m) => m.role === "tool").map((m) => contentText(m.content));
}

/**
 * Starts the fake. By default it answers "ok"; tests script it with `respond`.
 *
 * @example
 * const llm = await startFakeOpenAI();
 * llm.respond((req, i) => (i === 0 ? { toolCalls: [{ name: "write_file", args: { path: "a", content: "x" } }] } : { text: "done" }));
 */
export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const requests: RecordedChatRequest[] = [];
  let responder: FakeResponder = () => ({ text: "ok" });
  let refusal: { status: number; code: string; message: string } | null = null;
  const waiters = createWaiters();
  const open = new Set<ServerResponse>();
  let callSeq = 0;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const send = (status: number, body: unknown) =>
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      const isChat = req.method === "POST" && req.url === "/v1/chat/completions";
      // Chat requests are recorded even when refused: tests count them.
      const request: RecordedChatRequest | null = isChat
        ? {
            authorization: req.headers.authorization,
            body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
            at: performance.now(),
          }
        : null;
      const index = request ? requests.push(request) - 1 : -1;
      waiters.wake();
      if (refusal) {
        return send(refusal.status, { error: { code: refusal.code, message: refusal.message } });
      }
      if (req.method === "GET" && req.url === "/v1/models") {
        return send(200, { object: "list", data: [] });
      }
      if (!request) return send(404, { error: { code: "not_found", message: req.url } });
      let reply: FakeReply;
      try {
        reply = await responder(request, index);
      } catch (error) {
        return send(500, { error: { code: "internal_error", message: (error as Error).message } });
      }
      if ("status" in reply)
        return send(reply.status, { error: { code: reply.code, message: reply.message } });
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      open.add(res);
      res.on("close", () => open.delete(res));
      const id = `chatcmpl-${index}`;
      const chunk = (delta: unknown, finish: string | null = null) =>
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 0, model: request.body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      const usage = `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 0, model: request.body.model, choices: [], usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 } })}\n\n`;
      if ("hang" in reply) {
        res.write(chunk({ role: "assistant", content: "" }));
        return; // never ends; closed by the client or close()
      }
      if ("toolCalls" in reply) {
        reply.toolCalls.forEach((call, i) => {
          res.write(
            chunk({
              role: "assistant",
              tool_calls: [
                {
                  index: i,
                  id: `call_${++callSeq}`,
                  type: "function",
                  function: { name: call.name, arguments: "" },
                },
              ],
            }),
          );
          // Arguments in two pieces, as real models stream them.
          const args = JSON.stringify(call.args);
          const half = Math.floor(args.length / 2);
          res.write(
            chunk({ tool_calls: [{ index: i, function: { arguments: args.slice(0, half) } }] }),
          );
          res.write(
            chunk({ tool_calls: [{ index: i, function: { arguments: args.slice(half) } }] }),
          );
        });
        res.write(chunk({}, "tool_calls"));
        res.end(`${usage}data: [DONE]\n\n`);
        return;
      }
      const words = reply.text.split(/(?<=\s)/);
      const pieces = Math.max(
        1,
        Math.min(reply.chunks ?? Math.ceil(words.length / 3), words.length),
      );
      const per = Math.ceil(words.length / pieces);
      res.write(chunk({ role: "assistant", content: "" }));
      for (let i = 0; i < words.length; i += per) {
        if (reply.chunkDelayMs) await new Promise((r) => setTimeout(r, reply.chunkDelayMs));
        if (res.destroyed) return;
        res.write(chunk({ content: words.slice(i, i + per).join("") }));
      }
      res.write(chunk({}, "stop"));
      res.end(`${usage}data: [DONE]\n\n`);
    });
  });
  const http = await listenLocal(server);
  return {
    baseUrl: `http://127.0.0.1:${http.port}/v1`,
    requests,
    respond(next) {
      responder = next;
    },
    refuse(next) {
      refusal = next;
    },
    waitForRequests(count, timeoutMs = 15_000) {
      return waiters.until(
        () => requests.length >= count && requests.slice(0, count),
        timeoutMs,
        () => `expected ${count} model request(s), got ${requests.length}`,
      );
    },
    close() {
      for (const res of open) res.destroy();
      return http.close();
    },
  };
}
