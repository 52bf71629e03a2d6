/**
 * The fake OpenAI's scripted mode (fake-openai.ts `respond()`): a test decides, per chat
 * completion request, what the "model" answers — streamed text (as slowly as it likes), a tool
 * call, an error status, or a stream that never ends — so an agent loop on a real machine can be
 * driven through tool use, failures and Stop. Requests the responder leaves alone (`undefined`)
 * get the fake's canned answer, so the LLM proxy tests sharing the fake are unaffected.
 */
import type { ServerResponse } from "node:http";
import type { RecordedOpenAIRequest } from "./fake-openai-context.ts";

/** What the scripted model answers one chat completion request with. */
export type FakeScriptedReply =
  /** Streamed text in `chunks` pieces (default 4), `chunkDelayMs` apart, after `firstChunkDelayMs`. */
  | { text: string; chunks?: number; chunkDelayMs?: number; firstChunkDelayMs?: number }
  /** One assistant turn calling these tools (arguments streamed in two pieces, as models do). */
  | {
      toolCalls: { name: string; args: Record<string, unknown> }[];
      firstChunkDelayMs?: number;
    }
  /** An HTTP error with OpenAI's error body. */
  | { status: number; message?: string }
  /** Starts streaming, then never finishes (until the client hangs up). */
  | { hang: true };

/** Decides a request's reply; `undefined` = the canned answer. `index` counts scripted calls. */
export type FakeResponder = (
  request: RecordedOpenAIRequest,
  index: number,
) => FakeScriptedReply | undefined | Promise<FakeScriptedReply | undefined>;

type ChatMessage = { role?: string; content?: unknown; tool_calls?: unknown[] };
type ChatBody = {
  model?: string;
  messages?: ChatMessage[];
  stream_options?: { include_usage?: boolean };
};

/** The text of a chat message's content (a string, or text parts). */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((p) => (typeof p?.text === "string" ? p.text : "")).join("");
  }
  return "";
}

/** The messages of a recorded chat request. */
export function chatMessages(request: RecordedOpenAIRequest): ChatMessage[] {
  return ((request.body as ChatBody | null)?.messages ?? []) as ChatMessage[];
}

/** The text of the request's last user message (what the person just said). */
export function lastUserText(request: RecordedOpenAIRequest): string {
  const users = chatMessages(request).filter((m) => m.role === "user");
  return contentText(users.at(-1)?.content);
}

/** True when the request's last message is a tool result (the model is continuing a tool turn). */
export function afterToolResult(request: RecordedOpenAIRequest): boolean {
  return chatMessages(request).at(-1)?.role === "tool";
}

const sleep = (ms: number) =>
  ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();

let callSeq = 0;

/**
 * Writes `reply` to `res` in OpenAI's chat streaming shape, recording each write in `recorded`
 * (`chunksSentAt[0]` is the first token: the role chunk and the first piece go out together).
 */
export async function writeScriptedReply(
  res: ServerResponse,
  recorded: RecordedOpenAIRequest,
  reply: FakeScriptedReply,
  usage: { input: number; output: number },
): Promise<void> {
  if ("status" in reply) {
    recorded.status = reply.status;
    res.writeHead(reply.status, { "content-type": "application/json" }).end(
      JSON.stringify({
        error: {
          message: reply.message ?? `The fake model answered ${reply.status}.`,
          type: "server_error",
          param: null,
          code: null,
        },
      }),
    );
    recorded.chunksSentAt.push(Date.now());
    recorded.finishedAt = Date.now();
    return;
  }
  const body = (recorded.body ?? {}) as ChatBody;
  const id = `chatcmpl-script-${++callSeq}`;
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const usageChunk = body.stream_options?.include_usage
    ? `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 0, model: body.model, choices: [], usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output } })}\n\n`
    : "";
  const tail = `${usageChunk}data: [DONE]\n\n`;
  const write = (text: string) => {
    if (res.destroyed) return false;
    res.write(text);
    recorded.chunksSentAt.push(Date.now());
    return true;
  };

  await sleep("hang" in reply ? 0 : (reply.firstChunkDelayMs ?? 0));
  recorded.status = 200;
  recorded.streamed = true;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  });
  if ("hang" in reply) {
    write(chunk({ role: "assistant", content: "" }));
    await new Promise<void>((resolve) => res.once("close", () => resolve()));
    recorded.finishedAt = Date.now();
    return;
  }
  if ("toolCalls" in reply) {
    let text = chunk({ role: "assistant", content: null });
    reply.toolCalls.forEach((call, index) => {
      const args = JSON.stringify(call.args);
      const half = Math.floor(args.length / 2);
      text += chunk({
        tool_calls: [
          {
            index,
            id: `call_${++callSeq}`,
            type: "function",
            function: { name: call.name, arguments: "" },
          },
        ],
      });
      text += chunk({ tool_calls: [{ index, function: { arguments: args.slice(0, half) } }] });
      text += chunk({ tool_calls: [{ index, function: { arguments: args.slice(half) } }] });
    });
    recorded.chunksPlanned = 2;
    write(text + chunk({}, "tool_calls"));
    write(tail);
    res.end();
    recorded.finishedAt = Date.now();
    return;
  }
  const words = reply.text.split(/(?<=\s)/);
  const pieces = Math.max(1, Math.min(reply.chunks ?? 4, words.length));
  const per = Math.ceil(words.length / pieces);
  const parts: string[] = [];
  for (let i = 0; i < words.length; i += per) parts.push(words.slice(i, i + per).join(""));
  recorded.chunksPlanned = parts.length + 1;
  for (const [i, part] of parts.entries()) {
    if (i > 0) await sleep(reply.chunkDelayMs ?? 0);
    const head = i === 0 ? chunk({ role: "assistant", content: "" }) : "";
    if (!write(head + chunk({ content: part }))) break;
  }
  write(chunk({}, "stop") + tail);
  res.end();
  recorded.finishedAt = Date.now();
}
