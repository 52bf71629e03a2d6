/**
 * Agents test helpers (workerd): a signed-up user with a ready real machine and a dashboard
 * client, session streams written straight into that machine (signed `PUT`/`POST /agents/…`
 * through fetchForInstance — no model involved), and an SSE reader for the relay.
 */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { fetchForInstance } from "../../src/machines/fetch-for-instance.ts";
import { Browser } from "../helpers.ts";
import { readyInstance } from "../machines/support.ts";

/** A signed-up user whose machine is ready, with a cookie-carrying dashboard client. */
export async function readyUser(label: string) {
  const { user, machine } = await readyInstance(label);
  const browser = Browser.signedIn(user.cookie);
  const base = `/instances/${user.instance.id}`;
  return { user, machine, browser, base, machineFetch: fetchForInstance(env, user.instance.id) };
}

/** A user message item as the agent records it (contract agent-events.ts). */
export function userMessage(text: string) {
  return {
    type: "message",
    runId: null,
    at: new Date().toISOString(),
    message: { role: "user", content: [{ type: "text", text }], timestamp: Date.now() },
    origin: { kind: "web", user: null },
  };
}

/** An assistant message item. */
export function assistantMessage(text: string) {
  return {
    type: "message",
    runId: "run_test",
    at: new Date().toISOString(),
    message: {
      role: "assistant",
      content: [{ type: "text", text }],
      stopReason: "stop",
      timestamp: Date.now(),
    },
  };
}

type MachineFetch = ReturnType<typeof fetchForInstance>;

/** Creates the session stream `path` on the machine (JSON mode, as the agent does). */
export async function createStream(machine: MachineFetch, path: string): Promise<void> {
  const res = await machine(`/agents/${path}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
  });
  expect([200, 201], await res.clone().text()).toContain(res.status);
}

/** Appends items to a session stream on the machine. */
export async function appendItems(
  machine: MachineFetch,
  path: string,
  items: unknown[],
): Promise<void> {
  const res = await machine(`/agents/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(items),
  });
  expect([200, 204], await res.clone().text()).toContain(res.status);
}

/** A fresh web session path with these items in its stream. */
export async function webSession(machine: MachineFetch, items: unknown[]): Promise<string> {
  const path = `web/ses_test${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}`;
  await createStream(machine, path);
  if (items.length > 0) await appendItems(machine, path, items);
  return path;
}

/** One server-sent event. */
export type SseEvent = { event: string; data: string };

/**
 * Reads server-sent events from a streaming response as they arrive. `until` resolves with all
 * events read so far once one matches, or fails after `timeoutMs`.
 */
export function sseReader(res: Response) {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = "";
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
  const parse = () => {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end < 0) return;
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5));
      }
      events.push({ event, data: data.join("\n") });
    }
  };
  return {
    events,
    async until(match: (event: SseEvent) => boolean, timeoutMs = 10_000): Promise<SseEvent[]> {
      const deadline = Date.now() + timeoutMs;
      let from = 0;
      for (;;) {
        const found = events.slice(from).find(match);
        if (found) return events;
        from = events.length;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms`);
        pending ??= reader.read();
        const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), left));
        const result = await Promise.race([pending, timer]);
        if (result === "timeout") continue;
        pending = null;
        if (result.done) throw new Error("the stream ended before a matching event");
        buffer += decoder.decode(result.value, { stream: true });
        parse();
      }
    },
    cancel: () => reader.cancel().catch(() => {}),
  };
}

/** The items of every `data` event read so far, in order. */
export function itemsOf(events: SseEvent[]): { type: string; [key: string]: unknown }[] {
  return events.filter((e) => e.event === "data").flatMap((e) => JSON.parse(e.data));
}

/** The `control` events read so far, parsed. */
export function controlsOf(events: SseEvent[]): { streamNextOffset: string; upToDate?: boolean }[] {
  return events.filter((e) => e.event === "control").map((e) => JSON.parse(e.data));
}
