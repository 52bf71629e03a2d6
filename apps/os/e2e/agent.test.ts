/**
 * The agent end to end: the real worker, local-sandbox and daemons, Slack connected through the
 * real OAuth flow against the fake Slack, and the fake OpenAI scripted per request. A person
 * mentions the bot; the event goes through the events edge, the outbox and the daemon to the
 * agent, whose model calls go through the platform's LLM proxy and whose Slack calls go through
 * the Slack proxy — so every assertion below is about what really reached Slack, the workspace
 * and the model.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { afterToolResult, chatMessages, lastUserText } from "../test-support/fake-openai-script.ts";
import {
  type AgentWorld,
  botMessages,
  connectedUser,
  cookieFor,
  reaction,
  reactionCall,
  reactionsOn,
  say,
  startAgentWorld,
  threadSession,
} from "./agent-support.ts";
import { daemonInstanceEnv, eventually, processEnv, sandboxOf } from "./support.ts";

let world: AgentWorld;
let owner: Awaited<ReturnType<typeof connectedUser>>;

beforeAll(async () => {
  world = await startAgentWorld();
  world.openai.respond((request) => {
    const text = lastUserText(request);
    if (text.includes("FAIL_503")) return { status: 503, message: "The fake model is overloaded." };
    const write = /WRITE (\S+) (\S+)/.exec(text);
    if (write) {
      return afterToolResult(request)
        ? { text: `I wrote **${write[1]}** for you.` }
        : { toolCalls: [{ name: "write_file", args: { path: write[1], content: write[2] } }] };
    }
    if (text.includes("HANG")) {
      return afterToolResult(request)
        ? { text: "The long job ended." }
        : { toolCalls: [{ name: "run_command", args: { command: "sleep 120" } }] };
    }
    if (text.includes("SLOW")) {
      return { text: `Slow answer to ${/SLOW \S+/.exec(text)?.[0]}`, firstChunkDelayMs: 1500 };
    }
    return { text: `Answer to: ${text.replace(/<@[A-Z0-9]+>:?\s*/g, "")}` };
  });
  owner = await connectedUser(world, "e2e-agent");
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

const mention = (text: string) => `<@${owner.botUserId}> ${text}`;
const answered = (threadTs: string, includes: string, ms = 30_000) =>
  eventually(
    `an answer containing "${includes}" in ${threadTs}`,
    async () => botMessages(world, owner.team, threadTs).find((m) => m.text.includes(includes)),
    ms,
  );

describe("the agent in Slack, end to end", () => {
  it("a mention gets 👀, a tool really writes the file in the workspace, the answer lands in the thread, then ✅", async () => {
    const { message } = await say(
      world,
      owner.team,
      mention("please WRITE notes/hello.txt hi-from-the-agent"),
    );
    await reaction(world, owner.team, message.ts, "eyes");
    const answer = await answered(message.ts, "I wrote *notes/hello.txt* for you.");
    await reaction(world, owner.team, message.ts, "white_check_mark");

    const sandbox = await sandboxOf(world.platform, owner.machine.id);
    const file = path.join(
      world.platform.sandbox.root,
      "machines",
      sandbox?.id as string,
      "home",
      "workspace",
      "notes",
      "hello.txt",
    );
    expect(await readFile(file, "utf8")).toBe("hi-from-the-agent");
    // 👀 came first, before the answer was posted; ❌ never.
    const eyes = reactionCall(world, message.ts, "eyes");
    const posted = world.slack.calls.find(
      (c) => c.method === "chat.postMessage" && c.params.text === answer.text,
    );
    expect(eyes && posted && eyes.at <= posted.at).toBe(true);
    expect(reactionsOn(world, owner.team, message.ts)).not.toContain("x");
    // Both model turns went through the platform's proxy, which swapped in the real key.
    const calls = world.openai.requests.filter((r) => lastUserText(r).includes("notes/hello.txt"));
    expect(calls.length).toBe(2);
    for (const call of calls) expect(call.headers.authorization).toBe(`Bearer ${world.apiKey}`);
  });

  it("the status line links to the session's page on the dashboard, which shows it", async () => {
    const { message } = await say(world, owner.team, mention("what is in the repo?"));
    await reaction(world, owner.team, message.ts, "white_check_mark");
    const status = botMessages(world, owner.team, message.ts).find((m) =>
      m.text.includes("View session"),
    );
    const link = /<([^|>]+)\|View session>/.exec(status?.text ?? "")?.[1] as string;
    const { page } = threadSession(owner.team, message.ts, owner.user.instanceId);
    expect(new URL(link).pathname).toBe(page);
    const res = await fetch(link, {
      headers: { cookie: await cookieFor(world, owner.user.email) },
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("data-agent-session");
    expect(html).toContain("what is in the repo?");
  });

  it("the sandbox never held the real OpenAI key or the bot token (its process env and its instance env)", async () => {
    const sandbox = await sandboxOf(world.platform, owner.machine.id);
    const botToken = world.slack.teams.get(owner.team)?.botToken as string;
    expect(botToken).toMatch(/^xoxb-/);
    const environ = await processEnv(sandbox?.pid as number);
    expect(environ.OPENAI_API_KEY).toMatch(/^itk_/); // the machine token, for the proxy
    const all = JSON.stringify([
      environ,
      await daemonInstanceEnv(world.platform, sandbox?.id as string),
    ]);
    expect(all).not.toContain(world.apiKey);
    expect(all).not.toContain(botToken);
    expect(all).not.toContain("xoxb-");
  });

  it("two threads at once are both answered, their model calls overlapping", async () => {
    const [one, two] = await Promise.all([
      say(world, owner.team, mention("SLOW one")),
      say(world, owner.team, mention("SLOW two")),
    ]);
    await Promise.all([
      answered(one.message.ts, "Slow answer to SLOW one"),
      answered(two.message.ts, "Slow answer to SLOW two"),
    ]);
    await reaction(world, owner.team, one.message.ts, "white_check_mark");
    await reaction(world, owner.team, two.message.ts, "white_check_mark");
    const [a, b] = ["SLOW one", "SLOW two"].map((marker) =>
      world.openai.requests.find((r) => lastUserText(r).includes(marker)),
    );
    // Each waited 1.5 s before its first token: run one after the other they could not overlap.
    expect(a && b).toBeTruthy();
    expect(Math.max(a?.receivedAt ?? 0, b?.receivedAt ?? 0)).toBeLessThan(
      Math.min(a?.finishedAt ?? 0, b?.finishedAt ?? 0),
    );
  });

  it("an LLM 503 ends with ❌ and the reason in the thread", async () => {
    const { message } = await say(world, owner.team, mention("FAIL_503 please"));
    await reaction(world, owner.team, message.ts, "x");
    const status = await eventually("the reason in the thread", async () =>
      botMessages(world, owner.team, message.ts).find((m) => m.text.startsWith(":x:")),
    );
    expect(status.text).toContain("The model answered 503");
    expect(status.text).toContain("The fake model is overloaded.");
    expect(reactionsOn(world, owner.team, message.ts)).not.toContain("white_check_mark");
  });

  it("a spent daily budget (cap 1 token) ends with ❌ and budget_exceeded's words in the thread", async () => {
    const user = await connectedUser(world, "e2e-agent-budget");
    const first = await say(world, user.team, `<@${user.botUserId}> spend some tokens`);
    await reaction(world, user.team, first.message.ts, "white_check_mark");
    await eventually("the first run's tokens metered", async () => {
      const usage = (await (await user.user.api("GET", "/usage")).json()) as {
        today: { totalTokens: number };
      };
      return usage.today.totalTokens > 0 ? true : undefined;
    });
    expect((await user.user.api("PATCH", "", { dailyTokenCap: 1 })).status).toBe(200);
    const { message } = await say(world, user.team, `<@${user.botUserId}> and some more`);
    await reaction(world, user.team, message.ts, "x");
    const status = await eventually("the budget reason in the thread", async () =>
      botMessages(world, user.team, message.ts).find((m) => m.text.startsWith(":x:")),
    );
    expect(status.text).toContain("The LLM budget is used up");
    expect(status.text).toMatch(/of its 1 LLM tokens for today/);
  });

  it("after a rebuild a thread is restored from conversations.replies: the next model request carries the earlier turns", async () => {
    const user = await connectedUser(world, "e2e-agent-rebuild");
    const root = await say(world, user.team, `<@${user.botUserId}> remember the word PINEAPPLE`);
    await reaction(world, user.team, root.message.ts, "white_check_mark");

    expect((await user.user.api("POST", "/machines/rebuild")).status).toBe(202);
    const next = await user.user.ready(user.machine.id);
    expect(next.id).not.toBe(user.machine.id);

    // A reply in the thread, not a mention: the new machine has no record of the thread, asks
    // Slack, finds the bot there and takes it with its history.
    const reply = await say(world, user.team, "what was the word?", { threadTs: root.message.ts });
    await reaction(world, user.team, reply.message.ts, "white_check_mark", 45_000);
    const request = world.openai.requests.find(
      (r) => lastUserText(r).includes("what was the word?") && r.receivedAt >= reply.sentAt,
    );
    if (!request) throw new Error("no model request for the reply");
    const messages = chatMessages(request);
    const text = (content: unknown) =>
      typeof content === "string" ? content : JSON.stringify(content);
    const earlierUser = messages.findIndex(
      (m) => m.role === "user" && text(m.content).includes("remember the word PINEAPPLE"),
    );
    const earlierAnswer = messages.findIndex(
      (m) =>
        m.role === "assistant" &&
        text(m.content).includes("Answer to: remember the word PINEAPPLE"),
    );
    const now = messages.findIndex(
      (m) => m.role === "user" && text(m.content).includes("what was the word?"),
    );
    expect(earlierUser).toBeGreaterThanOrEqual(0);
    expect(earlierAnswer).toBeGreaterThan(earlierUser);
    expect(now).toBeGreaterThan(earlierAnswer);
    expect(
      world.slack.calls.some(
        (c) => c.method === "conversations.replies" && c.params.ts === root.message.ts,
      ),
    ).toBe(true);
  }, 120_000);

  it("a rebuild mid-run stops the run first: by the rebuild's 202 its thread has ❌ and says the machine is being rebuilt", async () => {
    const user = await connectedUser(world, "e2e-agent-retire");
    const { message } = await say(world, user.team, `<@${user.botUserId}> HANG on a long job`);
    await reaction(world, user.team, message.ts, "eyes");
    await eventually("the model asked for the long job", async () =>
      world.openai.requests.find((r) => lastUserText(r).includes("HANG on a long job")),
    );

    expect((await user.user.api("POST", "/machines/rebuild")).status).toBe(202);
    // No waiting: the old machine told the thread before it was archived (after, its token,
    // and so the Slack proxy, would refuse it).
    expect(reactionsOn(world, user.team, message.ts)).toContain("x");
    const status = botMessages(world, user.team, message.ts).find((m) => m.text.startsWith(":x:"));
    expect(status?.text).toContain(
      "This machine is being rebuilt; ask again once the new one is ready.",
    );
    expect(reactionsOn(world, user.team, message.ts)).not.toContain("white_check_mark");
  }, 120_000);
});
