import { retireResponseSchema, signRequest } from "@iterate/contract";
import { describe, expect, it } from "vitest";
import { MENTION, threadPath } from "./support/agent-machine.ts";
import { eventually } from "./support/eventually.ts";
import { machinesPerTest } from "./support/machines-per-test.ts";

/** What a run stopped by `POST /platform/retire` says (server.ts `RETIRED`). */
const REBUILT = "This machine is being rebuilt; ask again once the new one is ready.";

/** A machine whose agent is inside a long tool call in a thread, and that thread's message. */
async function busyMachine(pool: ReturnType<typeof machinesPerTest>) {
  const m = await pool.start();
  m.llm.respond(() => ({ toolCalls: [{ name: "run_command", args: { command: "sleep 60" } }] }));
  const asked = m.slack.say({ channel: "C0000RET", user: "U0000ALICE", text: `${MENTION} work` });
  await m.deliver(asked);
  await m.waitForItem(threadPath(asked), "tool_call");
  return { m, asked };
}

describe("POST /platform/retire (the platform is about to archive the machine)", () => {
  const pool = machinesPerTest();

  it("stops the running agent, tells its thread the machine is being rebuilt, then refuses Slack events with 503 unrecorded", async () => {
    const { m, asked } = await busyMachine(pool);

    const res = await m.signed("POST", "/platform/retire");
    expect(res.status).toBe(200);
    expect(retireResponseSchema.parse(await res.json())).toEqual({ ok: true, interrupted: 1 });
    // Answered only once the thread was told: the platform revokes the token right after.
    expect(m.slack.reactions).toContainEqual(expect.objectContaining({ ts: asked.ts, name: "x" }));
    const status = m.slack.messages.find((msg) => msg.thread_ts === asked.ts && msg.bot_id);
    expect(status?.text).toContain(REBUILT);
    const items = await m.items(threadPath(asked));
    expect(items.filter((i) => i.type === "run_finished")).toEqual([
      expect.objectContaining({
        outcome: "interrupted",
        error: { code: "interrupted", message: REBUILT },
      }),
    ]);

    // A later event stays with the platform's outbox (503 is retried there) for the next machine.
    const later = m.slack.say({ channel: "C0000RE2", user: "U0000ALICE", text: `${MENTION} hi` });
    const refused = await m.deliver(later).catch((error: Error) => error.message);
    expect(refused).toMatch(/^edge\/slack: 503 .*"machine_not_ready"/);
    expect((await m.signed("GET", `/agents/${threadPath(later)}?offset=-1`)).status).toBe(404);
    const web = await m.signed("POST", "/agents-api/web-sessions", { text: "hello" });
    expect(web.status).toBe(503);

    // Repeated (a retried archive step): nothing more to stop.
    const again = await m.signed("POST", "/platform/retire");
    expect(await again.json()).toEqual({ ok: true, interrupted: 0 });
  });

  it("a message the agent is taking up meanwhile gets ❌ and the reason before retire answers, and no run starts", async () => {
    const m = await pool.start();
    m.llm.respond(() => ({ text: "never asked" }));
    const root = m.slack.say({ channel: "C0000RE4", user: "U0000ALICE", text: "deploy?" });
    m.slack.sayAsBot({ channel: "C0000RE4", thread_ts: root.ts, text: "On it." });
    // A reply without a mention: taking it needs Slack's word that the bot is in the thread.
    const history = m.slack.holdNext("conversations.replies");
    const reply = m.slack.say({
      channel: "C0000RE4",
      user: "U0000ALICE",
      text: "and staging?",
      thread_ts: root.ts,
    });
    await m.deliver(reply, "message");
    await m.slack.waitFor(() => history.held());

    const retired = m.signed("POST", "/platform/retire");
    // Retired once the edge refuses even a malformed envelope (503 comes before validation).
    await eventually(async () => (await m.signed("POST", "/edge/slack", {})).status === 503);
    history.release();
    expect(await (await retired).json()).toEqual({ ok: true, interrupted: 0 });
    expect(m.slack.reactions).toContainEqual(expect.objectContaining({ ts: reply.ts, name: "x" }));
    const told = m.slack.messages.filter((msg) => msg.thread_ts === root.ts && msg.bot_id);
    expect(told.map((msg) => msg.text)).toContain(`:x: ${REBUILT}`);
    const items = await m.items(threadPath(reply));
    expect(items.some((i) => i.type === "run_started")).toBe(false);
    expect(m.llm.requests).toEqual([]);
  });

  it("an event delivered as the retire comes in is refused (503: the platform keeps it) or its thread hears the end before retire answers", async () => {
    // Offsets between the two requests, to land the retire before, during and after the record.
    for (const offsetMs of [0, 1, 2, 4]) {
      const m = await pool.start();
      m.llm.respond(() => ({ text: "hi" }));
      const asked = m.slack.say({ channel: "C0000RE5", user: "U0000ALICE", text: `${MENTION} hi` });
      const delivered = m.deliver(asked).then(
        () => 200,
        (error: Error) => Number(/^edge\/slack: (\d+)/.exec(error.message)?.[1]),
      );
      await new Promise((resolve) => setTimeout(resolve, offsetMs));
      expect((await m.signed("POST", "/platform/retire")).status).toBe(200);
      const ended = m.slack.reactions
        .filter((r) => r.ts === asked.ts && (r.name === "x" || r.name === "white_check_mark"))
        .map((r) => r.name);
      const status = await delivered;
      expect(status === 503 || ended.length > 0, `+${offsetMs} ms: ${status}, ${ended}`).toBe(true);
    }
  });

  it("refuses an unsigned request, and a token signed for another route, and the agent works on", async () => {
    const { m, asked } = await busyMachine(pool);
    const unsigned = await fetch(`${m.daemon.url}/platform/retire`, { method: "POST" });
    expect(unsigned.status).toBe(401);
    const forPing = await signRequest({ ...m.key, method: "POST", url: "/platform/ping" });
    const moved = await fetch(`${m.daemon.url}/platform/retire`, {
      method: "POST",
      headers: { authorization: `Bearer ${forPing}` },
    });
    expect(moved.status).toBe(401);
    expect(((await moved.json()) as { error: { code: string } }).error.code).toBe("path_mismatch");

    expect(m.slack.reactions.some((r) => r.ts === asked.ts && r.name === "x")).toBe(false);
    const next = m.slack.say({ channel: "C0000RE3", user: "U0000ALICE", text: `${MENTION} more` });
    expect(await m.deliver(next)).toMatchObject({ ok: true, duplicate: false });
  });
});
