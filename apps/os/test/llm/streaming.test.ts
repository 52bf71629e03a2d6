import { describe, expect, it } from "vitest";
import { fakeRequest, fakeRequests, llm, signUpWithMachine, testId } from "./support.ts";

/** The upstream waits this long between chunks, so the whole answer takes seconds. */
const CHUNK_DELAY_MS = 300;

/** Reads the first chunk of a body; returns it and a function that reads the rest. */
async function firstChunk(res: Response) {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const first = await reader.read();
  const arrivedAt = Date.now();
  const decoder = new TextDecoder();
  return {
    text: decoder.decode(first.value, { stream: true }),
    arrivedAt,
    async rest() {
      let all = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return all + decoder.decode();
        all += decoder.decode(value, { stream: true });
      }
    },
  };
}

describe("LLM proxy streaming", () => {
  for (const [path, body] of [
    ["chat/completions", { messages: [{ role: "user", content: "hi" }] }],
    ["responses", { input: "hi" }],
  ] as const) {
    it(`passes ${path} chunks on as the upstream sends them (first chunk before the upstream is done)`, async () => {
      const user = await signUpWithMachine("llm-stream");
      const id = testId();
      const res = await llm(user.machineToken, path, {
        model: "gpt-fake",
        stream: true,
        ...body,
        metadata: { fake_test_id: id, fake_chunk_delay_ms: String(CHUNK_DELAY_MS) },
      });
      expect(res.status).toBe(200);
      const first = await firstChunk(res);
      expect(first.text).toMatch(/^(event: response\.created\n)?data: /);

      // Causal, not a timing threshold: at the moment the first chunk is in the client's hands,
      // the fake has not finished writing the answer.
      const [during] = await fakeRequests(id);
      expect(during?.finishedAt).toBeNull();
      expect(during?.chunksSentAt.length).toBeLessThan(during?.chunksPlanned ?? 0);

      const rest = await first.rest();
      const done = await fakeRequest(id);
      expect(done.finishedAt).not.toBeNull();
      const lastSentAt = done.chunksSentAt[done.chunksSentAt.length - 1] as number;
      // The fake's own clock: the first chunk arrived well before the last one was even written
      // (the last write comes (chunks - 1) × 300 ms after the first).
      expect(first.arrivedAt).toBeLessThan(lastSentAt);
      expect(done.chunksSentAt.length).toBe(done.chunksPlanned);
      expect(first.text + rest).toContain("the fake");
    });
  }
});
