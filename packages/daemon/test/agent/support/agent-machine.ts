import { join } from "node:path";
import type { SlackEdgeResponse } from "@iterate/contract";
import {
  type DaemonProcess,
  machineEnv,
  startDaemon,
} from "../../platform/support/daemon-process.ts";
import { type FakePlatform, startFakePlatform } from "../../platform/support/fake-platform.ts";
import { type MachineKey, signedFetch } from "../../platform/support/signed-fetch.ts";
import { tempDir } from "../../platform/support/temp.ts";
import { eventually } from "./eventually.ts";
import { type FakeOpenAI, startFakeOpenAI } from "./fake-openai.ts";
import { FAKE_BOT, type FakeMessage, type FakeSlack, startFakeSlack } from "./fake-slack.ts";

/** A real daemon (the bundle) whose machine env points its LLM and Slack at the fakes. */
export interface AgentMachine {
  daemon: DaemonProcess;
  platform: FakePlatform;
  llm: FakeOpenAI;
  slack: FakeSlack;
  key: MachineKey;
  home: string;
  workspace: string;
  /** A request signed as the platform signs them. */
  signed(method: string, path: string, json?: unknown): Promise<Response>;
  /** Delivers a Slack message to `POST /edge/slack` as the platform's outbox would. */
  deliver(message: FakeMessage, eventType?: "app_mention" | "message"): Promise<SlackEdgeResponse>;
  /** The session stream's items (`GET /agents/<path>`). */
  items(path: string): Promise<Array<Record<string, unknown>>>;
  /** Resolves once the session stream holds an item of `type` (e.g. a run mid tool call). */
  waitForItem(path: string, type: string): Promise<void>;
  /**
   * Pushes the instance env (`PUT /platform/env`, which replaces it): the fakes' LLM and Slack
   * URLs and keys, then `extra` (which may override them). Returns the daemon's answer.
   */
  pushInstanceEnv(extra?: Record<string, string>): Promise<Response>;
  /** SIGTERM (or SIGKILL) the daemon and start a new one on the same HOME. */
  restart(options?: { kill?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

let eventSeq = 0;

/** The bot token the instance env gives the agent for the fake Slack. */
export const FAKE_SLACK_TOKEN = "xoxb-instance-token-for-the-fake-slack";

/** The LLM key the instance env gives the agent. */
export const FAKE_LLM_KEY = "sk-instance-key-for-the-fake-llm";

/**
 * Starts the fakes, a fake platform and a daemon, bootstraps an empty workspace and pushes the
 * instance env (`PUT /platform/env`) with `OPENAI_BASE_URL` and `SLACK_API_URL` at the fakes —
 * the hot-reload path a platform uses, since instance env overrides the OS-provided proxy URLs.
 *
 * @example
 * const m = await startAgentMachine();
 * await m.deliver(m.slack.say({ channel: "C1", user: "U1", text: "<@UBOT000001> hi" }), "app_mention");
 */
export async function startAgentMachine(
  options: {
    llm?: FakeOpenAI;
    slack?: FakeSlack;
    /** The daemon's process env, over `machineEnv()`. */
    env?: Record<string, string>;
    /** More instance env vars, pushed with the fakes' URLs. */
    instanceEnv?: Record<string, string>;
  } = {},
): Promise<AgentMachine> {
  const llm = options.llm ?? (await startFakeOpenAI());
  const slack = options.slack ?? (await startFakeSlack());
  const platform = await startFakePlatform();
  const home = await tempDir("agent-home-");
  const env = { ...machineEnv(platform.url), ITERATE_LONG_POLL_MS: "500", ...options.env };
  let daemon = await startDaemon({ home, env });
  const [ping] = await platform.waitForPings(1);
  if (!ping) throw new Error("no ping");
  const key = { machineId: ping.body.machineId, secret: ping.body.secret };
  const signed = (method: string, path: string, json?: unknown) =>
    signedFetch(daemon.url, key, method, path, json);
  const check = async (res: Response, what: string) => {
    if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
    return res;
  };
  const pushInstanceEnv = (extra: Record<string, string> = {}) =>
    signed("PUT", "/platform/env", {
      // With its own OPENAI_BASE_URL an instance must name its key (the machine token is only
      // ever offered to the platform's proxy).
      env: {
        OPENAI_BASE_URL: llm.baseUrl,
        OPENAI_API_KEY: FAKE_LLM_KEY,
        SLACK_API_URL: slack.apiUrl,
        // Slack pointed away from the platform takes the instance's own token, never the machine's.
        SLACK_BOT_TOKEN: FAKE_SLACK_TOKEN,
        ...extra,
      },
    });
  const items = async (path: string) => {
    const res = await check(
      await signed("GET", `/agents/${path}?offset=-1`),
      `GET /agents/${path}`,
    );
    return (await res.json()) as Array<Record<string, unknown>>;
  };
  await check(await signed("POST", "/platform/bootstrap", {}), "bootstrap");
  await check(await pushInstanceEnv(options.instanceEnv), "env");
  const machine: AgentMachine = {
    get daemon() {
      return daemon;
    },
    platform,
    llm,
    slack,
    key,
    home,
    workspace: join(home, "workspace"),
    signed,
    async deliver(message, eventType = "app_mention") {
      const envelope = {
        type: "event_callback",
        team_id: FAKE_BOT.teamId,
        event_id: `Ev${process.pid}x${++eventSeq}`,
        event_time: Math.floor(Date.now() / 1000),
        authorizations: [{ user_id: FAKE_BOT.userId, is_bot: true }],
        event: {
          type: eventType,
          channel: message.channel,
          channel_type: message.channel.startsWith("D") ? "im" : "channel",
          ts: message.ts,
          ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
          user: message.user,
          text: message.text,
        },
      };
      const res = await check(await signed("POST", "/edge/slack", envelope), "edge/slack");
      return (await res.json()) as SlackEdgeResponse;
    },
    items,
    async waitForItem(path, type) {
      await eventually(async () => (await items(path)).some((i) => i.type === type));
    },
    pushInstanceEnv,
    async restart({ kill = false } = {}) {
      const pings = platform.pings.length;
      if (kill) {
        daemon.child.kill("SIGKILL");
        await new Promise((resolve) => daemon.child.once("exit", resolve));
      } else {
        await daemon.stop();
      }
      daemon = await startDaemon({ home, env });
      await platform.waitForPings(pings + 1);
    },
    async stop() {
      await daemon.stop();
      await Promise.all([
        platform.close(),
        options.llm ? null : llm.close(),
        options.slack ? null : slack.close(),
      ]);
    },
  };
  return machine;
}

/** The thread stream of a fake Slack message: `slack/<team>/<channel>/<thread_ts ?? ts>`. */
export function threadPath(message: FakeMessage): string {
  return `slack/${FAKE_BOT.teamId}/${message.channel}/${message.thread_ts ?? message.ts}`;
}

/** A mention of the bot, as Slack writes it into text. */
export const MENTION = `<@${FAKE_BOT.userId}>`;

/** `list[index]`, failing the test clearly when it is not there. */
export function nth<T>(list: readonly T[], index: number): T {
  const value = list.at(index);
  if (value === undefined) throw new Error(`expected an element at ${index}, have ${list.length}`);
  return value;
}
