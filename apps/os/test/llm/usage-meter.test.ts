import { describe, expect, it } from "vitest";
import { meteredBody } from "../../src/proxies/llm-upstream.ts";
import { MAX_METERED_BYTES, meterUsage } from "../../src/proxies/llm-usage-meter.ts";

/** A body that arrives in exactly these pieces (bytes may split characters and lines). */
function body(pieces: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const p of pieces) controller.enqueue(typeof p === "string" ? encoder.encode(p) : p);
      controller.close();
    },
  });
}

const chunk = (extra: object) =>
  `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [], ...extra })}\n\n`;

describe("meterUsage", () => {
  it("finds chat's final usage chunk and ignores usage: null on the others", async () => {
    const sse = [
      chunk({ choices: [{ delta: { content: "é" } }], usage: null }),
      chunk({ usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 } }),
      "data: [DONE]\n\n",
    ].join("");
    // Split every 7 bytes: mid-line, mid-JSON and through the two bytes of "é".
    const bytes = new TextEncoder().encode(sse);
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 7) pieces.push(bytes.slice(i, i + 7));
    expect(await meterUsage(body(pieces), "sse")).toEqual({
      inputTokens: 5,
      outputTokens: 6,
      totalTokens: 11,
    });
  });

  it("reads response.completed's response.usage, with CRLF line ends", async () => {
    const completed = {
      type: "response.completed",
      response: { usage: { input_tokens: 9, output_tokens: 1, total_tokens: 10 } },
    };
    const sse = [
      'event: response.created\r\ndata: {"type":"response.created","response":{"usage":null}}\r\n\r\n',
      `event: response.completed\r\ndata: ${JSON.stringify(completed)}\r\n\r\n`,
    ];
    expect(await meterUsage(body(sse), "sse")).toEqual({
      inputTokens: 9,
      outputTokens: 1,
      totalTokens: 10,
    });
  });

  it("is not fooled by model text that mentions usage, and joins multi-line data", async () => {
    const sse = [
      chunk({ choices: [{ delta: { content: '"usage":{"prompt_tokens":999}' } }] }),
      'data: {"usage":\ndata: {"input_tokens":2,"output_tokens":3}}\n\n',
    ];
    expect(await meterUsage(body(sse), "sse")).toEqual({
      inputTokens: 2,
      outputTokens: 3,
      totalTokens: 5,
    });
  });

  it("reads a JSON body's top-level usage, and null when there is none", async () => {
    const json = JSON.stringify({
      object: "chat.completion",
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    });
    expect(await meterUsage(body([json.slice(0, 10), json.slice(10)]), "json")).toEqual({
      inputTokens: 1,
      outputTokens: 2,
      totalTokens: 3,
    });
    expect(await meterUsage(body(['{"object":"list","data":[]}']), "json")).toBeNull();
    expect(await meterUsage(body(["not json"]), "json")).toBeNull();
    expect(await meterUsage(body([chunk({ usage: null })]), "sse")).toBeNull();
  });

  it("gives up on a body larger than it holds instead of buffering it", async () => {
    const big = "x".repeat(MAX_METERED_BYTES + 1);
    expect(
      await meterUsage(body([`{"pad":"${big}","usage":{"total_tokens":1}}`]), "json"),
    ).toBeNull();
  });

  it("keeps what it saw when the stream breaks off", async () => {
    let pulls = 0;
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        // The usage line arrives whole, then the connection drops before the event's blank line.
        if (pulls++ === 0) {
          controller.enqueue(new TextEncoder().encode('data: {"usage":{"total_tokens":4}}\n'));
        } else controller.error(new Error("connection reset"));
      },
    });
    expect(await meterUsage(broken, "sse")).toEqual({
      inputTokens: 0,
      outputTokens: 0,
      totalTokens: 4,
    });
  });
});

describe("meteredBody", () => {
  const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  const dec = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));

  it("asks for usage on streamed chat completions, keeping other stream options", () => {
    const out = meteredBody(
      "chat/completions",
      enc({ stream: true, stream_options: { include_usage: false, x: 1 } }),
    );
    expect(dec(out)).toEqual({ stream: true, stream_options: { include_usage: true, x: 1 } });
  });

  it("leaves everything else byte for byte", () => {
    for (const [path, value] of [
      ["chat/completions", { stream: false }],
      ["chat/completions", { stream: true, stream_options: { include_usage: true } }],
      ["responses", { stream: true }],
    ] as const) {
      const input = enc(value);
      expect(meteredBody(path, input)).toBe(input);
    }
    const empty = new Uint8Array(0);
    expect(meteredBody("chat/completions", empty)).toBe(empty);
    // Tools the caller runs are billed as tokens: forwarded.
    for (const type of [
      "function",
      "custom",
      "local_shell",
      "apply_patch",
      "computer_use_preview",
    ]) {
      const tools = enc({ tools: [{ type, name: "f" }] });
      expect(meteredBody("responses", tools), type).toBe(tools);
    }
  });

  it("refuses a body it cannot read as a JSON object (a lenient upstream could read tools in it)", () => {
    for (const text of ["{oops", '{"tools":[{"type":"web_search"}],"x":NaN}', "[1]", '"x"']) {
      expect(() => meteredBody("responses", new TextEncoder().encode(text)), text).toThrow(
        expect.objectContaining({ code: "validation_failed", status: 400 }),
      );
    }
  });

  it("refuses what the meter cannot count: background, per-call tools, search models, stored prompts", () => {
    for (const [path, value] of [
      ["responses", { model: "o3-pro", background: true }],
      ["responses", { background: "yes" }],
      ["responses", { tools: [{ type: "function", name: "f" }, { type: "web_search" }] }],
      ["responses", { tools: [{ type: "web_search_preview_2025_03_11" }] }],
      ["responses", { tools: [{ type: "file_search", vector_store_ids: ["vs_1"] }] }],
      ["responses", { tools: [{ type: "code_interpreter", container: { type: "auto" } }] }],
      ["responses", { tools: [{ type: "image_generation" }] }],
      ["responses", { prompt: { id: "pmpt_1" } }],
      ["chat/completions", { model: "gpt-4o-mini", web_search_options: {} }],
      ["chat/completions", { model: "gpt-4o-search-preview" }],
    ] as const) {
      expect(() => meteredBody(path, enc(value)), JSON.stringify(value)).toThrow(
        expect.objectContaining({ code: "validation_failed", status: 400 }),
      );
    }
    for (const model of ["gpt-5-search-api", "search-model"]) {
      expect(() => meteredBody("chat/completions", enc({ model })), model).toThrow();
    }
    // A word that only holds "search" names no search model.
    expect(() =>
      meteredBody("chat/completions", enc({ model: "ft:gpt-4o:acme:research-bot" })),
    ).not.toThrow();
  });
});
