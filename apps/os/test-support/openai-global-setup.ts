/**
 * vitest globalSetup (Node) of the workerd project: one fake OpenAI (fake-openai.ts) with a
 * random test key, provided as `inject("fakeOpenAI")`. vitest.config.ts also turns it into the
 * worker's `LLM_UPSTREAM_URL` and `OPENAI_API_KEY`, so the real LLM proxy talks to the fake with
 * a key that exists only in the worker — what the tests check never reaches the machine.
 */
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { startFakeOpenAI } from "./fake-openai.ts";
import type { FakeOpenAIContext } from "./fake-openai-context.ts";

export default async function setup(project: TestProject) {
  const apiKey = `sk-test-real-key-${randomBytes(16).toString("hex")}`;
  const fake = await startFakeOpenAI({ apiKey });
  const context: FakeOpenAIContext = { url: fake.url, baseUrl: fake.baseUrl, apiKey };
  project.provide("fakeOpenAI", context);
  return () => fake.close();
}
