/**
 * Session streams as a long-lived machine holds them, written straight into a file store: each
 * a web session with one run of `messages` conversation messages of ~8 KB (so ~1 MiB a session
 * at the default 128), one append per item as the agent's session writer makes them.
 *
 * @example await writeSessions(join(home, ".iterate", "streams"), { sessions: 1000, messages: 128 });
 */
import { createFileStreamStore } from "@iterate/streams";
import { SESSION_CONTENT_TYPE } from "../../src/agent/session/session-stream.ts";

export async function writeSessions(
  dir: string,
  options: { sessions: number; messages: number },
): Promise<void> {
  const store = await createFileStreamStore({ dir, fsync: false });
  const text = "lorem ipsum ".repeat(680);
  const at = new Date().toISOString();
  const usage = { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, totalTokens: 2 };
  const cost = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 };
  try {
    for (let s = 0; s < options.sessions; s++) {
      const path = `web/ses_${String(s).padStart(20, "0")}`;
      const items: unknown[] = [
        {
          type: "run_started",
          runId: "run_1",
          at,
          model: "m",
          origin: { kind: "web", user: null },
          maxToolCalls: 10,
        },
      ];
      for (let i = 0; i < options.messages; i++) {
        const content = [{ type: "text", text: `${i}: ${text}` }];
        const message =
          i % 2 === 0
            ? { role: "user", content, timestamp: 1 }
            : {
                role: "assistant",
                content,
                api: "openai-completions",
                provider: "openai",
                model: "m",
                usage: { ...usage, cost },
                stopReason: "stop",
                timestamp: 1,
              };
        items.push({ type: "message", runId: "run_1", at, message });
      }
      items.push({
        type: "run_finished",
        runId: "run_1",
        at,
        outcome: "done",
        error: null,
        toolCalls: 0,
        durationMs: 1,
      });
      const body = new Uint8Array(0);
      const created = await store.create(path, {
        contentType: SESSION_CONTENT_TYPE,
        closed: false,
        body,
      });
      // One append per item, as a run's session writer makes them.
      let appended = true;
      for (const item of items) {
        const result = await store.append(path, {
          contentType: SESSION_CONTENT_TYPE,
          body: Buffer.from(JSON.stringify(item)),
          close: false,
        });
        appended &&= result.ok;
      }
      if (!created.ok || !appended) throw new Error(`could not write ${path}`);
    }
  } finally {
    await store.close();
  }
}
