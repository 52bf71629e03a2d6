import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  createFileStreamStore,
  MAX_STORED_APPEND_BYTES,
  STREAM_NEXT_OFFSET,
  type StreamStore,
} from "../src/index.ts";
import { agentsServer } from "./support/agents-server.ts";

const json = { "content-type": "application/json" };
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** The app on a file store in a temp dir, fsync off (the limits are about what is written). */
async function fileApp() {
  const dir = await mkdtemp(join(tmpdir(), "append-limits-"));
  const store: StreamStore = await createFileStreamStore({ dir, fsync: false });
  const shutdown = new AbortController();
  cleanups.push(async () => {
    shutdown.abort();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return agentsServer({ store, longPollTimeoutMs: 200, shutdownSignal: shutdown.signal });
}

describe("appends the store could not read back are refused before they are acknowledged", () => {
  it("a JSON append that re-serializes past the stored limit (1e20 is stored as 21 digits) is 413, and nothing of it is kept", async () => {
    const app = await fileApp();
    expect((await app.request("/agents/s", { method: "PUT", headers: json })).status).toBe(201);
    // ~12 MB as sent, under the 16 MiB body limit; ~53 MB as stored.
    const count = Math.ceil(MAX_STORED_APPEND_BYTES / 22) + 1;
    const body = `[${"1e20,".repeat(count - 1)}1e20]`;
    const res = await app.request("/agents/s", { method: "POST", headers: json, body });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      "payload_too_large",
    );
    const after = await app.request("/agents/s", { method: "POST", headers: json, body: "[1]" });
    expect(after.status).toBe(204);
    const read = await app.request("/agents/s?offset=-1");
    expect(await read.json()).toEqual([1]);
    expect(read.headers.get(STREAM_NEXT_OFFSET)).toBe(after.headers.get(STREAM_NEXT_OFFSET));
  });

  it("JSON nested too deep to store is 400 invalid_json on create and append, and a refused create leaves no stream behind", async () => {
    const app = await fileApp();
    const deep = `${"[".repeat(20_000)}${"]".repeat(20_000)}`;
    const created = await app.request("/agents/d", { method: "PUT", headers: json, body: deep });
    expect(created.status).toBe(400);
    expect((await app.request("/agents/d", { method: "HEAD" })).status).toBe(404);
    expect((await app.request("/agents/d", { method: "PUT", headers: json })).status).toBe(201);
    const appended = await app.request("/agents/d", { method: "POST", headers: json, body: deep });
    expect(appended.status).toBe(400);
    expect(
      (await app.request("/agents/d", { method: "POST", headers: json, body: "[2]" })).status,
    ).toBe(204);
  });
});
