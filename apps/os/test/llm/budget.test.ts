import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { recordLlmUsage } from "../../src/db/llm-usage.ts";
import { errorHandler } from "../../src/middleware/error-handler.tsx";
import {
  budgetExceeded,
  lastUtcDays,
  nextUtcMidnight,
  utcDay,
} from "../../src/proxies/llm-budget.ts";
import { llmProxyRoutes } from "../../src/proxies/llm-proxy.ts";
import { Browser, call, expectError, ORIGIN } from "../helpers.ts";
import { currentMachine, daemonPing, db } from "../machines/support.ts";
import {
  chatBody,
  fakeRequests,
  llm,
  type MachineUser,
  signUpWithMachine,
  testId,
  usageAfter,
  usageRow,
} from "./support.ts";

/** One non-streamed chat completion that uses `tokens` tokens (all input). */
async function spend(token: string, tokens: number): Promise<Response> {
  const res = await llm(
    token,
    "chat/completions",
    chatBody(testId(), {}, { inputTokens: tokens, outputTokens: 0 }),
  );
  await res.text();
  return res;
}

function patchInstance(user: MachineUser, body: unknown) {
  return call("PATCH", `/api/instances/${user.instance.id}`, body, { cookie: user.cookie });
}

describe("the daily token cap", () => {
  it("refuses requests once today's total reaches the default cap (429 budget_exceeded, Retry-After, reset time)", async () => {
    const user = await signUpWithMachine("cap-default");
    expect((await spend(user.machineToken, 2_000_000)).status).toBe(200);
    await usageAfter(user, 1);

    const id = testId();
    const res = await llm(user.machineToken, "chat/completions", chatBody(id, { stream: true }));
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get("retry-after"));
    const message = await expectError(res, 429, "budget_exceeded");
    const midnight = nextUtcMidnight(new Date());
    expect(message).toContain("2,000,000 of its 2,000,000 LLM tokens");
    expect(message).toContain(`midnight UTC, in `);
    expect(message).toContain(`(${midnight.toISOString()})`);
    expect(retryAfter).toBeGreaterThan(0);
    expect(Math.abs(Date.now() + retryAfter * 1000 - midnight.getTime())).toBeLessThan(10_000);
    // Refused before it reached the provider.
    expect(await fakeRequests(id)).toEqual([]);
  });

  it("applies the instance's own cap from its settings, across all its machines", async () => {
    const user = await signUpWithMachine("cap-instance");
    const patched = await patchInstance(user, { dailyTokenCap: 100 });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ instance: { dailyTokenCap: 100 } });

    expect((await spend(user.machineToken, 60)).status).toBe(200);
    await usageAfter(user, 1);

    // A rebuild gives the instance a new machine; today's budget is the instance's, not the machine's.
    const rebuild = await call(
      "POST",
      `/api/instances/${user.instance.id}/machines/rebuild`,
      undefined,
      {
        cookie: user.cookie,
      },
    );
    expect(rebuild.status).toBe(202);
    const next = await currentMachine(user.instance.id);
    const nextToken = (await daemonPing(next.id)).authorization.replace(/^Bearer /, "");
    expect((await spend(nextToken, 60)).status).toBe(200); // 60 < 100: still allowed
    await usageAfter({ ...user, machineId: next.id }, 1);

    const refused = await llm(nextToken, "chat/completions", chatBody(testId()));
    const message = await expectError(refused, 429, "budget_exceeded");
    expect(message).toContain("120 of its 100 LLM tokens");

    // Raising the cap on the Settings form lets the machine call again.
    const browser = Browser.signedIn(user.cookie);
    const settings = await browser.page(`/instances/${user.instance.id}/settings`);
    expect(settings).toContain('name="dailyTokenCap"');
    expect(settings).toContain('value="100"');
    const saved = await browser.submit(`/instances/${user.instance.id}/settings`, {
      name: user.instance.name,
      repoUrl: "",
      repoRef: "",
      dailyTokenCap: "1,000",
    });
    expect(saved.status).toBe(303);
    expect((await spend(nextToken, 1)).status).toBe(200);

    const usage = (await (
      await call("GET", `/api/instances/${user.instance.id}/usage`, undefined, {
        cookie: user.cookie,
      })
    ).json()) as {
      cap: number;
      capSource: string;
      today: { totalTokens: number; remaining: number };
    };
    expect(usage).toMatchObject({ cap: 1000, capSource: "instance" });
  });

  it("goes back to the default when the setting is emptied", async () => {
    const user = await signUpWithMachine("cap-clear");
    await patchInstance(user, { dailyTokenCap: 5 });
    await spend(user.machineToken, 10);
    await usageAfter(user, 1);
    await expectError(await llm(user.machineToken, "models"), 429, "budget_exceeded");
    const cleared = await patchInstance(user, { dailyTokenCap: "" });
    expect(await cleared.json()).toMatchObject({ instance: { dailyTokenCap: null } });
    expect((await llm(user.machineToken, "models")).status).toBe(200);
  });

  it("accepts only a positive whole number (or empty) as the cap (400 validation_failed)", async () => {
    const user = await signUpWithMachine("cap-validate");
    for (const bad of [0, -5, 1.5, "abc", "12tokens", true, 1e13]) {
      const message = await expectError(
        await patchInstance(user, { dailyTokenCap: bad }),
        400,
        "validation_failed",
      );
      expect(message).toMatch(/^dailyTokenCap: /);
    }
    expect(await (await patchInstance(user, { dailyTokenCap: "2 500" })).json()).toMatchObject({
      instance: { dailyTokenCap: 2500 },
    });
    expect(await (await patchInstance(user, { dailyTokenCap: null })).json()).toMatchObject({
      instance: { dailyTokenCap: null },
    });
  });

  it("counts against the UTC day and resets at the next UTC midnight (fixed clock)", async () => {
    const user = await signUpWithMachine("cap-clock");
    await patchInstance(user, { dailyTokenCap: 50 });
    const now = new Date("2026-01-15T23:59:30.000Z");
    await recordLlmUsage(db(), {
      instanceId: user.instance.id,
      machineId: user.machineId,
      day: "2026-01-15",
      usage: { inputTokens: 50, outputTokens: 0, totalTokens: 50 },
    });
    const app = new Hono()
      .route("/api/llm/openai/v1", llmProxyRoutes({ now: () => now }))
      .onError(errorHandler());
    const ctx = createExecutionContext();
    const res = await app.request(
      `${ORIGIN}/api/llm/openai/v1/models`,
      { headers: { authorization: `Bearer ${user.machineToken}` } },
      env,
      ctx,
    );
    expect(res.headers.get("retry-after")).toBe("30");
    const message = await expectError(res, 429, "budget_exceeded");
    expect(message).toContain("in 1 minute (2026-01-16T00:00:00.000Z)");

    // A minute later it is another UTC day: allowed, and metered on that day.
    const later = new Date("2026-01-16T00:00:30.000Z");
    const tomorrow = new Hono()
      .route("/api/llm/openai/v1", llmProxyRoutes({ now: () => later }))
      .onError(errorHandler());
    const ok = await tomorrow.request(
      `${ORIGIN}/api/llm/openai/v1/models`,
      { headers: { authorization: `Bearer ${user.machineToken}` } },
      env,
      ctx,
    );
    expect(ok.status).toBe(200);
    await ok.text();
    await waitOnExecutionContext(ctx);
    expect(await usageRow(user.instance.id, user.machineId, "2026-01-16")).toMatchObject({
      requests: 1,
    });
  });
});

describe("budget arithmetic", () => {
  it("names the UTC day and the next UTC midnight", () => {
    expect(utcDay(new Date("2026-03-31T23:59:59.999Z"))).toBe("2026-03-31");
    expect(nextUtcMidnight(new Date("2026-12-31T08:00:00Z")).toISOString()).toBe(
      "2027-01-01T00:00:00.000Z",
    );
    expect(lastUtcDays(new Date("2026-03-02T10:00:00Z"), 3)).toEqual([
      "2026-03-02",
      "2026-03-01",
      "2026-02-28",
    ]);
  });

  it("says when the budget resets in words and ISO, with Retry-After in seconds", () => {
    const { error, retryAfterSeconds } = budgetExceeded({
      cap: 2_000_000,
      used: 2_000_001,
      now: new Date("2026-05-01T18:47:00Z"),
    });
    expect(error.code).toBe("budget_exceeded");
    expect(error.status).toBe(429);
    expect(retryAfterSeconds).toBe(5 * 3600 + 13 * 60);
    expect(error.message).toContain("2,000,001 of its 2,000,000 LLM tokens");
    expect(error.message).toContain("in 5 hours and 13 minutes (2026-05-02T00:00:00.000Z)");
  });
});
