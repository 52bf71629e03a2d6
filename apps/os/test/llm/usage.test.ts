import { describe, expect, it } from "vitest";
import { Browser, call, expectError, signUp } from "../helpers.ts";
import {
  chatBody,
  fakeMetadata,
  fakeRequest,
  llm,
  type MachineUser,
  signUpWithMachine,
  testId,
  todayUtc,
  usageAfter,
} from "./support.ts";

type UsageJson = {
  cap: number;
  capSource: string;
  today: { day: string; totalTokens: number; remaining: number; resetsAt: string };
  days: {
    day: string;
    requests: number;
    inputTokens: number;
    outputTokens: number;
    totalTokens: number;
  }[];
};

async function usageJson(user: MachineUser): Promise<UsageJson> {
  const res = await call("GET", `/api/instances/${user.instance.id}/usage`, undefined, {
    cookie: user.cookie,
  });
  expect(res.status).toBe(200);
  return (await res.json()) as UsageJson;
}

describe("LLM usage metering", () => {
  it("meters a streamed chat completion from its final usage chunk, asking the upstream for it", async () => {
    const user = await signUpWithMachine("meter-chat-stream");
    const id = testId();
    // The caller does not ask for usage; the proxy does, so the stream is metered anyway.
    const res = await llm(
      user.machineToken,
      "chat/completions",
      chatBody(id, { stream: true }, { inputTokens: 21, outputTokens: 34 }),
    );
    const body = await res.text();
    expect((await fakeRequest(id)).body).toMatchObject({ stream_options: { include_usage: true } });
    expect(body).toContain('"usage":{"prompt_tokens":21');

    const row = await usageAfter(user, 1);
    expect(row).toMatchObject({ requests: 1, inputTokens: 21, outputTokens: 34, totalTokens: 55 });
  });

  it("keeps the caller's own stream options and adds to the day's row", async () => {
    const user = await signUpWithMachine("meter-chat-own-options");
    const first = testId();
    const body = chatBody(
      first,
      { stream: true, stream_options: { include_usage: true } },
      {
        inputTokens: 3,
        outputTokens: 4,
      },
    );
    await (await llm(user.machineToken, "chat/completions", body)).text();
    await usageAfter(user, 1);
    const second = testId();
    await (
      await llm(
        user.machineToken,
        "chat/completions",
        chatBody(second, { stream: true }, { inputTokens: 10, outputTokens: 1 }),
      )
    ).text();
    const row = await usageAfter(user, 2);
    expect(row).toMatchObject({ requests: 2, inputTokens: 13, outputTokens: 5, totalTokens: 18 });
  });

  it("meters a streamed responses call from response.completed", async () => {
    const user = await signUpWithMachine("meter-responses");
    const res = await llm(user.machineToken, "responses", {
      model: "gpt-fake",
      input: "hi",
      stream: true,
      metadata: fakeMetadata(testId(), { inputTokens: 40, outputTokens: 2 }),
    });
    expect(await res.text()).toContain("event: response.completed");
    const row = await usageAfter(user, 1);
    expect(row).toMatchObject({ inputTokens: 40, outputTokens: 2, totalTokens: 42 });
  });

  it("meters non-streamed chat and responses answers from their top-level usage", async () => {
    const user = await signUpWithMachine("meter-json");
    await (
      await llm(
        user.machineToken,
        "chat/completions",
        chatBody(testId(), {}, { inputTokens: 7, outputTokens: 8 }),
      )
    ).json();
    await usageAfter(user, 1);
    await (
      await llm(user.machineToken, "responses", {
        model: "gpt-fake",
        input: "hi",
        metadata: fakeMetadata(testId(), { inputTokens: 100, outputTokens: 50 }),
      })
    ).json();
    const row = await usageAfter(user, 2);
    expect(row).toMatchObject({
      requests: 2,
      inputTokens: 107,
      outputTokens: 58,
      totalTokens: 165,
    });
  });

  it("counts a request without usage (models) and an upstream error, with no tokens", async () => {
    const user = await signUpWithMachine("meter-no-usage");
    await (await llm(user.machineToken, "models")).json();
    await usageAfter(user, 1);
    await (
      await llm(user.machineToken, "chat/completions", chatBody(testId(), {}, { status: 500 }))
    ).json();
    const row = await usageAfter(user, 2);
    expect(row).toMatchObject({ requests: 2, totalTokens: 0 });
  });
});

describe("GET /api/instances/:id/usage", () => {
  it("answers 14 days, today first, with the cap and today's remaining budget", async () => {
    const user = await signUpWithMachine("usage-api");
    await (
      await llm(
        user.machineToken,
        "chat/completions",
        chatBody(testId(), {}, { inputTokens: 900, outputTokens: 100 }),
      )
    ).json();
    await usageAfter(user, 1);

    const usage = await usageJson(user);
    expect(usage.cap).toBe(2_000_000);
    expect(usage.capSource).toBe("default");
    expect(usage.days).toHaveLength(14);
    expect(usage.days[0]).toEqual({
      day: todayUtc(),
      requests: 1,
      inputTokens: 900,
      outputTokens: 100,
      totalTokens: 1000,
    });
    expect(usage.days[1]?.totalTokens).toBe(0);
    expect(usage.days.map((d) => d.day)).toEqual(
      [...usage.days.map((d) => d.day)].sort().reverse(),
    );
    expect(usage.today).toMatchObject({ totalTokens: 1000, remaining: 1_999_000 });
    expect(new Date(usage.today.resetsAt).toISOString().endsWith("T00:00:00.000Z")).toBe(true);
  });

  it("is 404 for another instance's usage", async () => {
    const owner = await signUpWithMachine("usage-owner");
    const other = await signUp("usage-other");
    const res = await call("GET", `/api/instances/${owner.instance.id}/usage`, undefined, {
      cookie: other.cookie,
    });
    await expectError(res, 404, "not_found");
  });

  it("is refused to the machine's own token (machine tokens are not for the user API)", async () => {
    const user = await signUpWithMachine("usage-machine-token");
    const res = await call("GET", `/api/instances/${user.instance.id}/usage`, undefined, {
      token: user.machineToken,
    });
    await expectError(res, 401, "unauthorized");
  });
});

describe("the Usage page", () => {
  it("is in the sidebar after Settings and shows today's tokens against the cap", async () => {
    const user = await signUpWithMachine("usage-page");
    await (
      await llm(
        user.machineToken,
        "chat/completions",
        chatBody(testId(), {}, { inputTokens: 1200, outputTokens: 34 }),
      )
    ).json();
    await usageAfter(user, 1);

    const browser = Browser.signedIn(user.cookie);
    const html = await browser.page(`/instances/${user.instance.id}/usage`);
    const nav = html.slice(html.indexOf('<nav class="nav"'), html.indexOf("</nav>"));
    expect(nav.indexOf(">Settings")).toBeGreaterThan(-1);
    expect(nav.indexOf(">Usage")).toBeGreaterThan(nav.indexOf(">Settings"));
    expect(html).toContain('aria-current="page"');
    expect(html).toContain('data-used="1234"');
    expect(html).toContain("1,234 tokens");
    expect(html).toContain("2,000,000 tokens");
    expect(html).toContain('data-remaining="1998766"');
    expect(html).toMatch(/at midnight UTC, in \d+ (hour|minute)/);
    expect(html).toContain(`data-day="${todayUtc()}"`);
    expect((html.match(/<tr data-day=/g) ?? []).length).toBe(14);
  });
});
