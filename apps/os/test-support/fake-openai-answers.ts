/**
 * What the fake OpenAI answers a request it was given no script for (fake-openai.ts): the chat
 * and responses SSE events, already framed, and the JSON answer, in OpenAI's shapes.
 */

/** The pieces of the default answer, streamed in this order. */
export const FAKE_REPLY_PIECES = ["Hello", " from", " the fake", " model."];

export type Body = {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  metadata?: Record<string, string>;
};

/** The chat and responses SSE events (already framed) and the JSON answer of a request. */
export function chatAnswer(body: Body, usage: { input: number; output: number }, created: number) {
  const base = { id: "chatcmpl-fake", object: "chat.completion.chunk", created, model: body.model };
  const u = {
    prompt_tokens: usage.input,
    completion_tokens: usage.output,
    total_tokens: usage.input + usage.output,
  };
  const includeUsage = body.stream_options?.include_usage === true;
  // OpenAI sends `usage: null` on every chunk when usage is asked for; mirrored so the meter
  // proves it ignores them.
  const nullUsage = includeUsage ? { usage: null } : {};
  const chunk = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }], ...nullUsage })}\n\n`;
  const events = [
    chunk({ role: "assistant", content: "" }, null),
    ...FAKE_REPLY_PIECES.map((piece) => chunk({ content: piece }, null)),
    chunk({}, "stop"),
    ...(includeUsage ? [`data: ${JSON.stringify({ ...base, choices: [], usage: u })}\n\n`] : []),
    "data: [DONE]\n\n",
  ];
  const whole = {
    id: "chatcmpl-fake",
    object: "chat.completion",
    created,
    model: body.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: FAKE_REPLY_PIECES.join("") },
        finish_reason: "stop",
      },
    ],
    usage: u,
  };
  return { events, whole };
}

export function responsesAnswer(
  body: Body,
  usage: { input: number; output: number },
  created: number,
) {
  const text = FAKE_REPLY_PIECES.join("");
  const message = {
    id: "msg_fake",
    type: "message",
    role: "assistant",
    status: "completed",
    content: [{ type: "output_text", text, annotations: [] }],
  };
  const response = (status: string, output: object[], u: object | null) => ({
    id: "resp_fake",
    object: "response",
    created_at: created,
    model: body.model,
    status,
    output,
    usage: u,
  });
  const u = {
    input_tokens: usage.input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: usage.output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.input + usage.output,
  };
  let seq = 0;
  const event = (type: string, data: object) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`;
  const events = [
    event("response.created", { response: response("in_progress", [], null) }),
    ...FAKE_REPLY_PIECES.map((delta) =>
      event("response.output_text.delta", {
        item_id: "msg_fake",
        output_index: 0,
        content_index: 0,
        delta,
      }),
    ),
    event("response.output_text.done", {
      item_id: "msg_fake",
      output_index: 0,
      content_index: 0,
      text,
    }),
    event("response.completed", { response: response("completed", [message], u) }),
  ];
  return { events, whole: response("completed", [message], u) };
}
