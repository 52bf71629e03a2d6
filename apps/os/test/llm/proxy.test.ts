import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { call, createToken, endlessBody, expectError, ORIGIN } from "../helpers.ts";
import { currentMachine } from "../machines/support.ts";
import {
  chatBody,
  fakeOpenAI,
  fakeRequest,
  fakeRequests,
  llm,
  signUpWithMachine,
  testId,
} from "./support.ts";

describe("LLM proxy: the upstream request", () => {
  it("sends the platform's real key and none of the caller's headers (200)", async () => {
    const user = await signUpWithMachine("llm-headers");
    const id = testId();
    const res = await llm(user.machineToken, "chat/completions", chatBody(id), {
      accept: "application/json",
      cookie: "iterate_session=from-the-machine",
      "x-forwarded-for": "203.0.113.7",
      "x-real-ip": "203.0.113.7",
      "openai-organization": "org-of-the-caller",
      "user-agent": "OpenAI/JS 4.0",
      "x-custom": "caller",
    });
    expect(res.status).toBe(200);
    await res.text();

    const seen = await fakeRequest(id);
    expect(seen.path).toBe("/v1/chat/completions");
    expect(seen.headers.authorization).toBe(`Bearer ${fakeOpenAI().apiKey}`);
    expect(JSON.stringify(seen.headers)).not.toContain(user.machineToken);
    expect(seen.headers["content-type"]).toBe("application/json");
    expect(seen.headers.accept).toBe("application/json");
    for (const name of [
      "cookie",
      "x-forwarded-for",
      "x-real-ip",
      "openai-organization",
      "x-custom",
    ]) {
      expect(seen.headers[name], name).toBeUndefined();
    }
    expect(seen.headers["user-agent"]).not.toBe("OpenAI/JS 4.0");
    expect(seen.body).toMatchObject({ model: "gpt-fake", messages: [{ content: "Say hello." }] });
  });

  it("passes the upstream's JSON answer with its status and content type, and no upstream cookies", async () => {
    const user = await signUpWithMachine("llm-json");
    const res = await llm(user.machineToken, "chat/completions", chatBody(testId()));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-request-id")).toBe("req_fake");
    expect(await res.json()).toMatchObject({
      object: "chat.completion",
      choices: [{ message: { content: "Hello from the fake model." } }],
    });
  });

  it("streams SSE with the upstream's content type and never its set-cookie", async () => {
    const user = await signUpWithMachine("llm-sse-headers");
    const res = await llm(
      user.machineToken,
      "chat/completions",
      chatBody(testId(), { stream: true }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(res.headers.get("openai-organization")).toBeNull();
    const body = await res.text();
    expect(body).toContain('"content":" from"');
    expect(body.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("lists models (GET models, 200)", async () => {
    const user = await signUpWithMachine("llm-models");
    const res = await llm(user.machineToken, "models");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { id: string }[] };
    expect(body.data.map((m) => m.id)).toContain("gpt-fake");
  });
});

describe("LLM proxy: who may call it", () => {
  it("refuses no token, garbage and a user token of the same instance (401)", async () => {
    const user = await signUpWithMachine("llm-user-token");
    const userToken = await createToken(user);
    const id = testId();
    await expectError(await llm(null, "chat/completions", chatBody(id)), 401, "unauthorized");
    await expectError(
      await llm("itk_tok_nope_nope", "chat/completions", chatBody(id)),
      401,
      "unauthorized",
    );
    await expectError(await llm(userToken, "chat/completions", chatBody(id)), 401, "unauthorized");
    // A session cookie is not a machine either.
    const withCookie = await llm(null, "chat/completions", chatBody(id), { cookie: user.cookie });
    await expectError(withCookie, 401, "unauthorized");
    expect(await fakeRequests(id)).toEqual([]);
  });

  it("refuses an archived machine's token after a rebuild (401), and takes the new one", async () => {
    const user = await signUpWithMachine("llm-archived");
    const before = await llm(user.machineToken, "models");
    expect(before.status).toBe(200);
    await before.text();

    const rebuild = await call(
      "POST",
      `/api/instances/${user.instance.id}/machines/rebuild`,
      undefined,
      {
        cookie: user.cookie,
      },
    );
    expect(rebuild.status).toBe(202);
    const id = testId();
    await expectError(
      await llm(user.machineToken, "chat/completions", chatBody(id)),
      401,
      "unauthorized",
    );
    expect(await fakeRequests(id)).toEqual([]);

    const next = await currentMachine(user.instance.id);
    expect(next.id).not.toBe(user.machineId);
  });
});

describe("LLM proxy: what it forwards", () => {
  it("answers paths off the allowlist with 404 and forwards nothing", async () => {
    const user = await signUpWithMachine("llm-allowlist");
    for (const path of [
      "embeddings",
      "files",
      "chat/completions/extra",
      "responses/resp_1",
      "v1/models",
    ]) {
      await expectError(await llm(user.machineToken, path, { model: "x" }), 404, "not_found");
    }
    const before = fakeOpenAI();
    const recorded = (await (await fetch(`${before.url}/__fake/requests`)).json()) as {
      requests: { path: string }[];
    };
    expect(recorded.requests.map((r) => r.path)).not.toContain("/v1/embeddings");
  });

  it("refuses (400) what the daily cap could not count, forwarding nothing: background responses, hosted tools", async () => {
    const user = await signUpWithMachine("llm-unmeterable");
    for (const [path, extra] of [
      ["responses", { background: true }],
      ["responses", { tools: [{ type: "web_search" }] }],
      ["chat/completions", { web_search_options: {} }],
    ] as const) {
      const id = testId();
      const res = await llm(user.machineToken, path, chatBody(id, extra));
      await expectError(res, 400, "validation_failed");
      expect(await fakeRequests(id), `${path} ${JSON.stringify(extra)}`).toEqual([]);
    }
    // Function tools run on the machine, and their tokens are metered: forwarded.
    const id = testId();
    const tools = [{ type: "function", function: { name: "read_file", parameters: {} } }];
    const res = await llm(user.machineToken, "chat/completions", chatBody(id, { tools }));
    expect(res.status).toBe(200);
    await res.text();
    expect((await fakeRequest(id)).body).toMatchObject({ tools });
  });

  it("answers a wrong method on an allowed path with 405", async () => {
    const user = await signUpWithMachine("llm-method");
    const res = await llm(user.machineToken, "chat/completions");
    await expectError(res, 405, "method_not_allowed");
  });

  it("passes upstream 500 and 429 through with their status, body and Retry-After", async () => {
    const user = await signUpWithMachine("llm-upstream-errors");
    const failed = await llm(
      user.machineToken,
      "chat/completions",
      chatBody(testId(), {}, { status: 500 }),
    );
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ error: { type: "server_error" } });

    const limited = await llm(user.machineToken, "responses", {
      model: "gpt-fake",
      input: "hi",
      stream: true,
      metadata: { fake_status: "429" },
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    const body = (await limited.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("rate_limit_exceeded");
    // OpenAI's words name the platform's organization and project: not the machine's business.
    expect(body.error.message).toBe(
      "Rate limit reached for gpt-fake in organization org-… of project proj_… on requests per min (RPM): Limit 3, Used 3.",
    );
  });

  it("never follows an upstream redirect: 502, and the key went out once", async () => {
    const user = await signUpWithMachine("llm-upstream-redirect");
    for (const status of [301, 302, 307, 308]) {
      const id = testId();
      const res = await llm(user.machineToken, "chat/completions", chatBody(id, {}, { status }));
      const message = await expectError(res, 502, "upstream_error");
      expect(message, String(status)).toContain("redirect");
      // Followed, the same body (and the platform's key) would have come back for the Location.
      expect(await fakeRequests(id), String(status)).toHaveLength(1);
    }
  });

  it("turns the provider refusing the platform's key into 502, without its words about the key", async () => {
    const user = await signUpWithMachine("llm-upstream-401");
    const res = await llm(
      user.machineToken,
      "chat/completions",
      chatBody(testId(), {}, { status: 401 }),
    );
    const message = await expectError(res, 502, "upstream_error");
    expect(message).toContain("OPENAI_API_KEY");
    expect(message).not.toContain(fakeOpenAI().apiKey.slice(-4));
  });
});

describe("LLM proxy without a provider key", () => {
  it("answers 503 llm_not_configured and calls no upstream", async () => {
    const user = await signUpWithMachine("llm-no-key");
    const id = testId();
    const ctx = createExecutionContext();
    // The same app as the worker's, with bindings that lack OPENAI_API_KEY.
    const res = await createApp().request(
      `${ORIGIN}/api/llm/openai/v1/chat/completions`,
      {
        method: "POST",
        headers: {
          authorization: `Bearer ${user.machineToken}`,
          "content-type": "application/json",
        },
        body: JSON.stringify(chatBody(id)),
      },
      { ...env, OPENAI_API_KEY: undefined },
      ctx,
    );
    await expectError(res, 503, "llm_not_configured");
    await waitOnExecutionContext(ctx);
    expect(await fakeRequests(id)).toEqual([]);
  });
});

describe("LLM proxy: body size", () => {
  it("refuses a chunked body over 32 MiB with 413 without reading it all", async () => {
    const user = await signUpWithMachine("llm-oversize");
    const endless = endlessBody();
    const chunked = await SELF.fetch(`${ORIGIN}/api/llm/openai/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${user.machineToken}`, "content-type": "application/json" },
      body: endless.body,
    });
    await expectError(chunked, 413, "payload_too_large");
    expect(endless.pulled()).toBeLessThan(48 * 1024 * 1024);
  });
});
