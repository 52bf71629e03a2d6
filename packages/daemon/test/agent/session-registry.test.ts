import { createMemoryStreamStore } from "@iterate/streams";
import { describe, expect, it } from "vitest";
import { createSessionRegistry } from "../../src/agent/session/session-registry.ts";
import {
  ensureSessionStream,
  SESSION_CONTENT_TYPE,
} from "../../src/agent/session/session-stream.ts";

/** A memory store with web sessions `names`, each holding one user message. */
async function storeWith(names: string[]) {
  const store = createMemoryStreamStore();
  for (const name of names) {
    await ensureSessionStream(store, `web/${name}`);
    const item = {
      type: "message",
      runId: null,
      at: new Date().toISOString(),
      message: { role: "user", content: [{ type: "text", text: `hello ${name}` }], timestamp: 1 },
    };
    await store.append(`web/${name}`, {
      contentType: SESSION_CONTENT_TYPE,
      body: Buffer.from(JSON.stringify(item)),
      close: false,
    });
  }
  return store;
}

describe("the session registry", () => {
  it("keeps one handle per path, and the conversations of the most recently used within the budget", async () => {
    const store = await storeWith(["a", "b"]);
    const registry = createSessionRegistry({ store, log: () => {}, maxLoadedBytes: 1 });
    const a = registry.sessionFor("web/a");
    expect((await a.history()).length).toBe(1);
    const b = registry.sessionFor("web/b");
    expect(a.loaded).toBe(false); // over the one-byte budget: the least recently used drops it
    expect(registry.sessionFor("web/a")).toBe(a);
    await b.history();
    expect(b.loaded).toBe(true);
  });

  it("still drops a conversation that finished loading while another session was used", async () => {
    const store = await storeWith(["a", "b", "c"]);
    const registry = createSessionRegistry({ store, log: () => {}, maxLoadedBytes: 1 });
    const a = registry.sessionFor("web/a");
    const loading = a.history();
    registry.sessionFor("web/b"); // while a is still loading
    await loading;
    expect(a.loaded).toBe(true);
    registry.sessionFor("web/c");
    expect(a.loaded).toBe(false);
  });

  it("never drops the conversation of a session at work", async () => {
    const store = await storeWith(["a", "b"]);
    const registry = createSessionRegistry({ store, log: () => {}, maxLoadedBytes: 1 });
    const a = registry.sessionFor("web/a");
    await a.history();
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const step = a.serial(() => gate);
    registry.sessionFor("web/b");
    expect(a.loaded).toBe(true);
    release();
    await step;
    registry.sessionFor("web/b");
    expect(a.loaded).toBe(false);
  });
});
