import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { SlackEventItem } from "@iterate/contract";
import { createMemoryStreamStore } from "@iterate/streams";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentRuntime, createAgentRuntime } from "../../src/agent/agent-runtime.ts";
import { tempDir } from "../platform/support/temp.ts";
import { MENTION } from "./support/agent-machine.ts";
import { type FakeOpenAI, startFakeOpenAI } from "./support/fake-openai.ts";
import {
  FAKE_BOT,
  type FakeMessage,
  type FakeSlack,
  startFakeSlack,
} from "./support/fake-slack.ts";

/** The item the Slack edge records for a message (the agent's input). */
function itemOf(
  message: FakeMessage,
  eventType: string,
  extra: Record<string, unknown> = {},
): SlackEventItem {
  return {
    type: "slack_event",
    eventId: `Ev${message.ts}${eventType}`,
    eventType,
    teamId: FAKE_BOT.teamId,
    channel: message.channel,
    ts: message.ts,
    threadTs: message.thread_ts ?? message.ts,
    user: message.user ?? null,
    text: message.text,
    eventTime: 0,
    receivedAt: new Date().toISOString(),
    event: {
      type: eventType,
      channel: message.channel,
      ts: message.ts,
      text: message.text,
      ...extra,
    },
  };
}
const streamOf = (m: FakeMessage) => `slack/${FAKE_BOT.teamId}/${m.channel}/${m.thread_ts ?? m.ts}`;

describe("the agent runtime in-process, on a memory store", () => {
  let llm: FakeOpenAI;
  let slack: FakeSlack;
  let agents: AgentRuntime;
  let env: Record<string, string>;
  const logs: string[] = [];
  beforeAll(async () => {
    llm = await startFakeOpenAI();
    slack = await startFakeSlack();
    const workspaceDir = join(await tempDir("runtime-"), "workspace");
    await mkdir(workspaceDir);
    env = {
      ITERATE_PLATFORM_URL: "https://os.example",
      ITERATE_INSTANCE_ID: "ins_1",
      ITERATE_MACHINE_TOKEN: "itk_machine",
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_API_KEY: "sk-test",
      SLACK_API_URL: slack.apiUrl,
      // The fake is not the platform: the instance's own token, never the machine's.
      SLACK_BOT_TOKEN: "xoxb-instance-own",
      PATH: process.env.PATH ?? "",
    };
    agents = createAgentRuntime({
      store: createMemoryStreamStore(),
      machineEnv: { runEnv: () => ({ ...env }) },
      workspaceDir,
      log: (line) => logs.push(line),
      statusThrottleMs: 50,
    });
  });
  afterAll(async () => {
    await agents.close();
    await Promise.all([llm.close(), slack.close()]);
  });

  it("takes one post once even when both its events reach it (app_mention and message)", async () => {
    llm.respond(() => ({ text: "one answer" }));
    const asked = slack.say({ channel: "C1", user: "U1", text: `${MENTION} hi` });
    await Promise.all([
      agents.handleSlackEvent({ stream: streamOf(asked), item: itemOf(asked, "app_mention") }),
      agents.handleSlackEvent({ stream: streamOf(asked), item: itemOf(asked, "message") }),
    ]);
    await slack.waitForReaction(asked);
    expect(slack.replies("C1", asked.ts).filter((m) => m.text === "one answer")).toHaveLength(1);
    expect(
      slack.calls.filter(
        (c) =>
          c.method === "reactions.add" && c.args.name === "eyes" && c.args.timestamp === asked.ts,
      ),
    ).toHaveLength(1);
  });

  it("answers a direct message without a mention", async () => {
    llm.respond(() => ({ text: "dm answer" }));
    const dm = slack.say({ channel: "D1", user: "U1", text: "hello there" });
    await agents.handleSlackEvent({
      stream: streamOf(dm),
      item: itemOf(dm, "message", { channel_type: "im" }),
    });
    await slack.waitForReaction(dm);
    expect(slack.replies("D1", dm.ts).map((m) => m.text)).toContain("dm answer");
  });

  it("ignores a malformed event and keeps serving other threads", async () => {
    await agents.handleSlackEvent({
      stream: "slack/T/C/1.2",
      item: { type: "slack_event", channel: 42 },
    });
    expect(
      logs.some((l) => l.startsWith("agent: malformed slack event in slack/T/C/1.2 ignored")),
    ).toBe(true);
    llm.respond(() => ({ text: "still here" }));
    const asked = slack.say({ channel: "C2", user: "U1", text: `${MENTION} still?` });
    await agents.handleSlackEvent({ stream: streamOf(asked), item: itemOf(asked, "app_mention") });
    await slack.waitForReaction(asked);
  });

  it("a crashing model request in one thread leaves the others answering", async () => {
    llm.respond((req) => {
      const text = JSON.stringify(req.body.messages);
      if (text.includes("crash")) throw new Error("boom");
      return { text: "fine" };
    });
    const bad = slack.say({ channel: "C3", user: "U1", text: `${MENTION} crash please` });
    const good = slack.say({ channel: "C3", user: "U1", text: `${MENTION} be fine` });
    await Promise.all([
      agents.handleSlackEvent({ stream: streamOf(bad), item: itemOf(bad, "app_mention") }),
      agents.handleSlackEvent({ stream: streamOf(good), item: itemOf(good, "app_mention") }),
    ]);
    await slack.waitForReaction(bad, "x");
    await slack.waitForReaction(good);
    const status = slack
      .replies("C3", bad.ts)
      .find((m) => m.metadata?.event_type === "iterate_agent_status");
    expect(status?.text).toContain(":x: The model answered 500: boom");
  });

  it("without SLACK_API_URL records the event but does not answer (and says why in the log)", async () => {
    const saved = env.SLACK_API_URL;
    delete env.SLACK_API_URL;
    const asked = slack.say({ channel: "C4", user: "U1", text: `${MENTION} hi` });
    await agents.handleSlackEvent({ stream: streamOf(asked), item: itemOf(asked, "app_mention") });
    env.SLACK_API_URL = saved as string;
    expect(
      logs.some((l) =>
        l.includes(`no SLACK_API_URL in the machine env; ${itemOf(asked, "app_mention").eventId}`),
      ),
    ).toBe(true);
    expect(slack.reactions.filter((r) => r.ts === asked.ts)).toEqual([]);
  });

  it("never sends the machine token to a SLACK_API_URL that is not the platform", async () => {
    // Every call so far carried the instance's own token.
    expect(slack.calls.length).toBeGreaterThan(0);
    expect(new Set(slack.calls.map((c) => c.authorization))).toEqual(
      new Set(["Bearer xoxb-instance-own"]),
    );
    const saved = env.SLACK_BOT_TOKEN;
    delete env.SLACK_BOT_TOKEN;
    const before = slack.calls.length;
    const asked = slack.say({ channel: "C5", user: "U1", text: `${MENTION} hi` });
    await agents.handleSlackEvent({ stream: streamOf(asked), item: itemOf(asked, "app_mention") });
    env.SLACK_BOT_TOKEN = saved as string;
    expect(slack.calls.slice(before)).toEqual([]);
    expect(
      logs.some((l) =>
        l.includes(
          `no Slack token for SLACK_API_URL (not the platform's, and no SLACK_BOT_TOKEN); ${itemOf(asked, "app_mention").eventId}`,
        ),
      ),
    ).toBe(true);
  });
});
