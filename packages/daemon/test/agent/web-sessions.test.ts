import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentMachine, startAgentMachine } from "./support/agent-machine.ts";
import { eventually } from "./support/eventually.ts";
import { contentText, toolResults } from "./support/fake-openai.ts";

describe("sessions from the dashboard (/agents-api) and the /ui page", () => {
  let m: AgentMachine;
  beforeAll(async () => {
    m = await startAgentMachine();
  });
  afterAll(() => m.stop());

  async function json(res: Response) {
    expect(res.headers.get("content-type")).toMatch(/json/);
    return (await res.json()) as Record<string, unknown>;
  }
  const lastRun = async (path: string) =>
    (await m.items(path)).filter((i) => i.type === "run_finished").at(-1) as
      | Record<string, unknown>
      | undefined;

  it("starts a web session (202), answers it in its stream, and continues it with its history", async () => {
    m.llm.respond((req) => ({
      text: `seen ${req.body.messages.filter((msg) => msg.role === "user").length} message(s)`,
    }));
    const res = await m.signed("POST", "/agents-api/web-sessions", {
      text: "hello from the dashboard",
      user: "alice@example.com",
    });
    expect(res.status).toBe(202);
    const body = await json(res);
    const path = (body.session as { path: string }).path;
    expect(path).toMatch(/^web\/ses_[0-9a-f]{20}$/);
    await eventually(async () => (await lastRun(path))?.outcome === "done");
    const items = await m.items(path);
    const assistant = items.find(
      (i) => i.type === "message" && (i.message as { role: string }).role === "assistant",
    );
    expect(contentText((assistant?.message as { content: unknown } | undefined)?.content)).toBe(
      "seen 1 message(s)",
    );
    expect(items.find((i) => i.type === "run_started")).toMatchObject({
      origin: { kind: "web", user: "alice@example.com" },
    });

    const more = await m.signed("POST", `/agents-api/sessions/${path}/messages`, { text: "again" });
    expect(more.status).toBe(202);
    expect(await json(more)).toEqual({ steered: false });
    await eventually(
      async () => (await m.items(path)).filter((i) => i.type === "run_finished").length === 2,
    );
    expect(contentText(m.llm.requests.at(-1)?.body.messages.at(-1)?.content)).toBe("again");
    expect((await lastRun(path))?.outcome).toBe("done");

    const list = await json(await m.signed("GET", "/agents-api/sessions"));
    const row = (list.sessions as Array<Record<string, unknown>>).find((s) => s.path === path);
    expect(row).toMatchObject({
      source: "web",
      status: "done",
      title: "hello from the dashboard",
      runs: 2,
      lastError: null,
    });
    expect(await json(await m.signed("GET", `/agents-api/sessions/${path}`))).toMatchObject({
      session: { path, status: "done" },
    });
  });

  it("Stop aborts the running agent and its command; the run is recorded as stopped", async () => {
    m.llm.respond((req) =>
      toolResults(req).length === 0
        ? { toolCalls: [{ name: "run_command", args: { command: "sleep 60" } }] }
        : { text: "unreachable" },
    );
    const started = await json(
      await m.signed("POST", "/agents-api/web-sessions", { text: "run forever" }),
    );
    const path = (started.session as { path: string }).path;
    await m.waitForItem(path, "tool_call");
    expect(
      (await json(await m.signed("GET", `/agents-api/sessions/${path}`))).session,
    ).toMatchObject({ status: "running" });
    const stopAt = performance.now();
    expect(await json(await m.signed("POST", `/agents-api/sessions/${path}/stop`))).toEqual({
      stopped: true,
    });
    const finished = await eventually(() => lastRun(path));
    expect(performance.now() - stopAt).toBeLessThan(5000);
    expect(finished).toMatchObject({
      outcome: "stopped",
      error: { code: "stopped", message: "Stopped from the dashboard." },
    });
    const result = (await m.items(path)).find((i) => i.type === "tool_result");
    expect(result).toMatchObject({ isError: true });
    expect(result?.output).toMatch(/^command stopped/);
    expect(await json(await m.signed("POST", `/agents-api/sessions/${path}/stop`))).toEqual({
      stopped: false,
    });
  });

  it("stops a model that is still streaming too", async () => {
    m.llm.respond(() => ({ hang: true }));
    const started = await json(
      await m.signed("POST", "/agents-api/web-sessions", { text: "think hard" }),
    );
    const path = (started.session as { path: string }).path;
    await eventually(() =>
      m.llm.requests.some((r) =>
        r.body.messages.some((msg) => contentText(msg.content) === "think hard"),
      ),
    );
    expect(await json(await m.signed("POST", `/agents-api/sessions/${path}/stop`))).toEqual({
      stopped: true,
    });
    expect(await eventually(() => lastRun(path))).toMatchObject({ outcome: "stopped" });
  });

  it("answers 404 for unknown sessions and 400 naming the field for a bad body", async () => {
    expect((await m.signed("GET", "/agents-api/sessions/web/ses_nope")).status).toBe(404);
    expect((await m.signed("GET", "/agents-api/sessions/other/thing")).status).toBe(404);
    expect(
      (await m.signed("POST", "/agents-api/sessions/web/ses_nope/messages", { text: "x" })).status,
    ).toBe(404);
    const bad = await m.signed("POST", "/agents-api/web-sessions", { text: "" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "validation_failed" } });
  });

  it("serves /ui only signed: the session list and one session tailed through relative URLs", async () => {
    expect((await fetch(new URL("/ui", m.daemon.url))).status).toBe(401);
    expect((await fetch(new URL("/agents-api/sessions", m.daemon.url))).status).toBe(401);
    const list = await json(await m.signed("GET", "/agents-api/sessions"));
    const first = (list.sessions as Array<{ path: string; title: string }>).at(-1);
    if (!first) throw new Error("no sessions");
    const page = await m.signed("GET", "/ui");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain(`href="ui?session=${encodeURIComponent(first.path)}"`);
    expect(html).toContain(first.title);
    const one = await (
      await m.signed("GET", `/ui?session=${encodeURIComponent(first.path)}`)
    ).text();
    expect(one).toContain(`data-stream="agents/${first.path}"`);
    // Behind a proxy prefix.
    const proxied = await (
      await m.signed(
        "GET",
        `/ui?session=${encodeURIComponent(first.path)}&base=${encodeURIComponent("/instances/ins_1/machine/")}`,
      )
    ).text();
    expect(proxied).toContain(`data-stream="/instances/ins_1/machine/agents/${first.path}"`);
    // What the page's script reads: the session's stream, live over SSE.
    const sse = await m.signed("GET", `/agents/${first.path}?offset=-1&live=sse`);
    expect(sse.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = sse.body?.getReader();
    const chunk = await reader?.read();
    expect(new TextDecoder().decode(chunk?.value)).toContain("event: data");
    await reader?.cancel();
  });

  it("escapes what users wrote on the page", async () => {
    m.llm.respond(() => ({ text: "ok" }));
    const started = await json(
      await m.signed("POST", "/agents-api/web-sessions", { text: "<script>alert(1)</script>" }),
    );
    const path = (started.session as { path: string }).path;
    await eventually(async () => (await lastRun(path))?.outcome === "done");
    const html = await (await m.signed("GET", "/ui")).text();
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&#60;script&#62;alert(1)&#60;/script&#62;");
  });
});
