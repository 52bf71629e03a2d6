/**
 * LLM proxy test helpers (workerd): a real machine token (read from the daemon's real ping), calls
 * to the real `/api/llm/openai/v1/*` through `SELF`, what the fake OpenAI recorded, and the
 * metered rows in D1.
 */
import { SELF } from "cloudflare:test";
import { bearerToken } from "@iterate/contract";
import { and, eq } from "drizzle-orm";
import { expect, inject } from "vitest";
import { llmUsage } from "../../src/db/schema.ts";
import {
  FAKE_METADATA,
  type RecordedOpenAIRequest,
} from "../../test-support/fake-openai-context.ts";
import { ORIGIN, type SignedUp, signUp } from "../helpers.ts";
import { currentMachine, daemonPing, db, eventually } from "../machines/support.ts";

export const fakeOpenAI = () => inject("fakeOpenAI");

/** A signed-up user with their machine and its token, as the daemon holds it. */
export type MachineUser = SignedUp & { machineId: string; machineToken: string };

/** Signs up (which starts a real machine) and takes the machine token from the daemon's ping. */
export async function signUpWithMachine(label: string): Promise<MachineUser> {
  const user = await signUp(label);
  const machine = await currentMachine(user.instance.id);
  const ping = await daemonPing(machine.id);
  const machineToken = bearerToken(ping.authorization);
  expect(machineToken).toMatch(/^itk_/);
  return { ...user, machineId: machine.id, machineToken: machineToken as string };
}

/** A unique id tagging a request in the fake's records. */
export const testId = () => crypto.randomUUID();

/** `metadata` for a request body: the test id plus fake directives (FAKE_METADATA keys). */
export function fakeMetadata(
  id: string,
  directives: Partial<Record<Exclude<keyof typeof FAKE_METADATA, "testId">, number>> = {},
): Record<string, string> {
  const metadata: Record<string, string> = { [FAKE_METADATA.testId]: id };
  for (const [key, value] of Object.entries(directives)) {
    metadata[FAKE_METADATA[key as keyof typeof FAKE_METADATA]] = String(value);
  }
  return metadata;
}

/**
 * A request to the LLM proxy, as the machine's OpenAI client would send it.
 * @example await llm(user.machineToken, "chat/completions", { model, messages, stream: true });
 */
export function llm(
  token: string | null,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  method = body === undefined ? "GET" : "POST",
): Promise<Response> {
  return SELF.fetch(`${ORIGIN}/api/llm/openai/v1/${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: "manual",
  });
}

/** A chat completion request body. */
export function chatBody(id: string, extra: Record<string, unknown> = {}, directives = {}) {
  return {
    model: "gpt-fake",
    messages: [{ role: "user", content: "Say hello." }],
    metadata: fakeMetadata(id, directives),
    ...extra,
  };
}

/** What the fake OpenAI recorded for requests tagged with `id`. */
export async function fakeRequests(id: string): Promise<RecordedOpenAIRequest[]> {
  const res = await fetch(`${fakeOpenAI().url}/__fake/requests?testId=${encodeURIComponent(id)}`);
  return ((await res.json()) as { requests: RecordedOpenAIRequest[] }).requests;
}

/** The one request the fake recorded for `id`, once it has. */
export function fakeRequest(id: string): Promise<RecordedOpenAIRequest> {
  return eventually(`the fake to record ${id}`, async () => (await fakeRequests(id))[0]);
}

/** The machine's metered row for today (UTC), if any. */
export async function usageRow(instanceId: string, machineId: string, day = todayUtc()) {
  const [row] = await db()
    .select()
    .from(llmUsage)
    .where(
      and(
        eq(llmUsage.instanceId, instanceId),
        eq(llmUsage.machineId, machineId),
        eq(llmUsage.day, day),
      ),
    );
  return row;
}

/** Waits until the machine's row for today has `requests` requests (metering runs after the response). */
export function usageAfter(user: MachineUser, requests: number) {
  return eventually(`${requests} metered requests`, async () => {
    const row = await usageRow(user.instance.id, user.machineId);
    return row && row.requests >= requests ? row : undefined;
  });
}

/** `YYYY-MM-DD` of now, UTC. */
export const todayUtc = () => new Date().toISOString().slice(0, 10);

/** Reads a response body to its end, as text. */
export const text = (res: Response) => res.text();
