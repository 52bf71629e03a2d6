import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createWaiters, listenLocal } from "../../platform/support/http-fake.ts";

/** The bot the fake workspace has installed. */
export const FAKE_BOT = { userId: "UBOT000001", botId: "BBOT000001", teamId: "T0000TEST" };

/** A message in the fake workspace. */
export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  user?: string;
  bot_id?: string;
  text: string;
  metadata?: { event_type: string; event_payload?: unknown };
  /** Every text it had, oldest first (chat.update appends). */
  edits: string[];
}

/** One Web API call as received. */
export interface RecordedSlackCall {
  method: string;
  args: Record<string, unknown>;
  authorization: string | undefined;
  /** `performance.now()` on arrival. */
  at: number;
}

/** A real Slack Web API stand-in on 127.0.0.1 (`POST /api/<method>`), recording every call. */
export interface FakeSlack {
  /** The `SLACK_API_URL` for the machine (`http://127.0.0.1:<port>/api/`). */
  apiUrl: string;
  calls: RecordedSlackCall[];
  messages: FakeMessage[];
  reactions: Array<{ channel: string; ts: string; name: string }>;
  /** A person's message (as if written in Slack); its ts is returned. */
  say(input: { channel: string; user: string; text: string; thread_ts?: string }): FakeMessage;
  /** A message of the bot written earlier (e.g. by a machine since rebuilt). */
  sayAsBot(input: {
    channel: string;
    text: string;
    thread_ts: string;
    metadata?: FakeMessage["metadata"];
  }): FakeMessage;
  /** The thread's messages after `thread_ts`, oldest first. */
  replies(channel: string, threadTs: string): FakeMessage[];
  /** The next `times` calls of `method` answer `{ ok: false, error }`, as Slack does when it fails. */
  failNext(method: string, error: string, times?: number): void;
  /**
   * The next call of `method` is answered only on `release()` (else never: the connection closes
   * with the fake); `held()` is true once one is held.
   */
  holdNext(method: string): { held(): boolean; release(): void };
  /** Resolves once `predicate` holds (checked after every call); rejects after `timeoutMs`. */
  waitFor<T>(predicate: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  /** Resolves with the reaction `name` (default ✅, a finished run) once it is on `message`. */
  waitForReaction(
    message: { ts: string },
    name?: string,
    timeoutMs?: number,
  ): Promise<FakeSlack["reactions"][number]>;
  /** Resolves with the reaction that ends a run on `message`: ✅ (`white_check_mark`) or ❌ (`x`). */
  waitForRunEnd(message: { ts: string }): Promise<FakeSlack["reactions"][number]>;
  close(): Promise<void>;
}

let seq = 0;
function nextTs(): string {
  seq += 1;
  return `${1_700_000_000 + Math.floor(seq / 1000)}.${String(seq % 1000).padStart(3, "0")}${String(process.pid % 1000).padStart(3, "0")}`;
}

/**
 * Starts the fake: `auth.test`, `chat.postMessage`, `chat.update`, `reactions.add` (Slack's
 * `already_reacted` included), `reactions.remove`, `conversations.replies` (with
 * `include_all_metadata`), over an in-memory workspace. Form and JSON bodies are read, as
 * `@slack/web-api` sends them.
 *
 * @example
 * const slack = await startFakeSlack();
 * const asked = slack.say({ channel: "C1", user: "U1", text: "<@UBOT000001> hi" });
 */
export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: RecordedSlackCall[] = [];
  const messages: FakeMessage[] = [];
  const reactions: FakeSlack["reactions"] = [];
  const waiters = createWaiters();
  const wake = waiters.wake;
  const add = (m: Omit<FakeMessage, "ts" | "edits">): FakeMessage => {
    const message = { ...m, ts: nextTs(), edits: [m.text] };
    messages.push(message);
    wake();
    return message;
  };
  const find = (channel: unknown, ts: unknown) =>
    messages.find((m) => m.channel === channel && m.ts === ts);
  const failures = new Map<string, { error: string; times: number }>();
  const holds = new Map<string, { held: boolean; answer: (() => void) | null }>();

  const methods: Record<string, (args: Record<string, unknown>) => Record<string, unknown>> = {
    "auth.test": () => ({
      ok: true,
      user_id: FAKE_BOT.userId,
      bot_id: FAKE_BOT.botId,
      team_id: FAKE_BOT.teamId,
    }),
    "chat.postMessage": (args) => {
      if (typeof args.channel !== "string" || typeof args.text !== "string")
        return { ok: false, error: "invalid_arguments" };
      const m = add({
        channel: args.channel,
        text: args.text,
        user: FAKE_BOT.userId,
        bot_id: FAKE_BOT.botId,
        ...(typeof args.thread_ts === "string" ? { thread_ts: args.thread_ts } : {}),
        ...(args.metadata ? { metadata: args.metadata as FakeMessage["metadata"] } : {}),
      });
      return { ok: true, channel: m.channel, ts: m.ts, message: { ...m } };
    },
    "chat.update": (args) => {
      const m = find(args.channel, args.ts);
      if (!m) return { ok: false, error: "message_not_found" };
      m.text = String(args.text ?? "");
      m.edits.push(m.text);
      return { ok: true, channel: m.channel, ts: m.ts };
    },
    "reactions.add": (args) => {
      if (!find(args.channel, args.timestamp)) return { ok: false, error: "message_not_found" };
      if (
        reactions.some(
          (r) => r.channel === args.channel && r.ts === args.timestamp && r.name === args.name,
        )
      ) {
        return { ok: false, error: "already_reacted" };
      }
      reactions.push({
        channel: String(args.channel),
        ts: String(args.timestamp),
        name: String(args.name),
      });
      return { ok: true };
    },
    "reactions.remove": (args) => {
      const i = reactions.findIndex(
        (r) => r.channel === args.channel && r.ts === args.timestamp && r.name === args.name,
      );
      if (i < 0) return { ok: false, error: "no_reaction" };
      reactions.splice(i, 1);
      return { ok: true };
    },
    "conversations.replies": (args) => {
      const root = find(args.channel, args.ts);
      if (!root) return { ok: false, error: "thread_not_found" };
      const withMeta = args.include_all_metadata === true || args.include_all_metadata === "true";
      const thread = [root, ...replies(String(args.channel), String(args.ts))].map(
        ({ edits, metadata, ...m }) => ({
          type: "message",
          ...m,
          ...(withMeta && metadata ? { metadata } : {}),
        }),
      );
      return { ok: true, messages: thread, has_more: false };
    },
  };
  const replies = (channel: string, threadTs: string) =>
    messages.filter((m) => m.channel === channel && m.thread_ts === threadTs && m.ts !== threadTs);

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const method = (req.url ?? "").replace(/^\/api\//, "").split("?")[0] ?? "";
      const raw = Buffer.concat(chunks).toString("utf8");
      const args = parseArgs(req.headers["content-type"] ?? "", raw);
      calls.push({ method, args, authorization: req.headers.authorization, at: performance.now() });
      const answer = () => {
        const handler = methods[method];
        const failure = failures.get(method);
        if (failure && --failure.times === 0) failures.delete(method);
        const body = failure
          ? { ok: false, error: failure.error }
          : handler
            ? handler(args)
            : { ok: false, error: "unknown_method" };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
        wake();
      };
      const hold = holds.get(method);
      if (hold) {
        holds.delete(method);
        hold.held = true;
        hold.answer = answer;
        wake();
        return; // answered on release, else never (the connection closes with the fake)
      }
      answer();
    });
  });
  const http = await listenLocal(server);
  const waitFor: FakeSlack["waitFor"] = (predicate, timeoutMs = 15_000) =>
    waiters.until(
      predicate,
      timeoutMs,
      () =>
        `fake Slack: condition not met within ${timeoutMs} ms; calls: ${calls.map((c) => c.method).join(", ")}`,
    );
  return {
    apiUrl: `http://127.0.0.1:${http.port}/api/`,
    calls,
    messages,
    reactions,
    say: (input) => add({ ...input }),
    sayAsBot: (input) => add({ ...input, user: FAKE_BOT.userId, bot_id: FAKE_BOT.botId }),
    replies,
    failNext: (method, error, times = 1) => failures.set(method, { error, times }),
    holdNext(method) {
      const hold: { held: boolean; answer: (() => void) | null } = { held: false, answer: null };
      holds.set(method, hold);
      return { held: () => hold.held, release: () => hold.answer?.() };
    },
    waitFor,
    waitForReaction: (message, name = "white_check_mark", timeoutMs = 15_000) =>
      waitFor(() => reactions.find((r) => r.ts === message.ts && r.name === name), timeoutMs),
    waitForRunEnd: (message) =>
      waitFor(() =>
        reactions.find(
          (r) => r.ts === message.ts && (r.name === "white_check_mark" || r.name === "x"),
        ),
      ),
    close: http.close,
  };
}

/** Form (values that are JSON objects or arrays decoded, as the WebClient encodes them) or JSON. */
function parseArgs(contentType: string, raw: string): Record<string, unknown> {
  if (contentType.includes("application/json")) return raw ? JSON.parse(raw) : {};
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = /^[[{]/.test(value) ? safeJson(value) : value;
  }
  return args;
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
