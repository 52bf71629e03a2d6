import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { configResponseSchema, type McpServerStatus } from "@iterate/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentMachine,
  MENTION,
  startAgentMachine,
  threadPath,
} from "../agent/support/agent-machine.ts";
import { eventually } from "../agent/support/eventually.ts";
import { toolResults } from "../agent/support/fake-openai.ts";
import { type FakeHttpMcp, startHttpMcp } from "./support/http-server.ts";

// The real daemon (bundle) with a fake platform, model and Slack; a real stdio MCP server it
// starts itself and a real Streamable HTTP one, both configured in iterate.config.json.

const FIXTURE = fileURLToPath(new URL("./support/stdio-server.mjs", import.meta.url));
const FX_TOKEN = "fx-secret-4f1c9a7e2b";
const WEB_TOKEN = "web-secret-8d2e6b3a9c";

let m: AgentMachine;
let web: FakeHttpMcp;

const fx = { command: "node", args: [FIXTURE], env: { API_TOKEN: "${FX_TOKEN}" } };
const webServer = () => ({ url: web.url, headers: { Authorization: "Bearer ${WEB_TOKEN}" } });

async function writeConfig(mcpServers: Record<string, unknown>) {
  await writeFile(join(m.workspace, "iterate.config.json"), JSON.stringify({ mcpServers }));
}

async function config(connect = false) {
  const res = await m.signed("GET", `/platform/config${connect ? "?connect=true" : ""}`);
  expect(res.status).toBe(200);
  return configResponseSchema.parse(await res.json());
}

const server = (servers: McpServerStatus[], name: string) => {
  const found = servers.find((s) => s.name === name);
  if (!found) throw new Error(`no server ${name}: ${JSON.stringify(servers)}`);
  return found;
};

beforeAll(async () => {
  web = await startHttpMcp(WEB_TOKEN);
  m = await startAgentMachine({ instanceEnv: { FX_TOKEN, WEB_TOKEN } });
  await writeConfig({ fx, web: webServer() });
});
afterAll(async () => {
  await m.stop();
  await web.close();
});

describe("MCP tools in an agent session", () => {
  it("the agent calls a stdio and an HTTP tool and the results reach the Slack thread", async () => {
    m.llm.respond((req) => {
      const results = toolResults(req);
      if (results.length === 0) {
        return {
          toolCalls: [
            { name: "fx__token_digest", args: {} },
            { name: "web__lookup", args: { key: "deploy-window" } },
          ],
        };
      }
      return { text: `Found: ${results.join(" | ")}` };
    });
    const asked = m.slack.say({
      channel: "C0MCP01",
      user: "U0000ALICE",
      text: `${MENTION} what do the tools say?`,
    });
    await m.deliver(asked);
    await m.slack.waitForReaction(asked);

    const digest = createHash("sha256").update(FX_TOKEN).digest("hex");
    const answer = m.slack
      .replies("C0MCP01", asked.ts)
      .find((msg) => msg.metadata?.event_type === "iterate_agent_answer");
    expect(answer?.text).toBe(`Found: digest ${digest} | value-of-deploy-window`);

    // The model was offered both servers' tools with their schemas.
    const offered = m.llm.requests[0]?.body.tools?.map((t) => t.function.name) ?? [];
    expect(offered).toEqual(expect.arrayContaining(["fx__echo", "fx__picture", "web__lookup"]));
    expect(offered).toContain("read_file");

    // The session's stream records the servers the run had, and each call and result.
    const items = await m.items(threadPath(asked));
    expect(items.find((i) => i.type === "mcp_servers")).toMatchObject({
      servers: [
        { name: "fx", state: "ready", error: null, tools: expect.arrayContaining(["fx__echo"]) },
        { name: "web", state: "ready", error: null, tools: ["web__lookup"] },
      ],
    });
    const results = items.filter((i) => i.type === "tool_result");
    expect(results).toEqual([
      expect.objectContaining({
        name: "fx__token_digest",
        isError: false,
        output: `digest ${digest}`,
      }),
      expect.objectContaining({
        name: "web__lookup",
        isError: false,
        output: "value-of-deploy-window",
      }),
    ]);
    // The HTTP server was sent the resolved header.
    expect(web.requests.some((r) => r.authorization === `Bearer ${WEB_TOKEN}`)).toBe(true);
  });

  it("records an image result as an attachment, and an MCP error as the tool's error", async () => {
    m.llm.respond((req) => {
      const results = toolResults(req);
      if (results.length === 0) return { toolCalls: [{ name: "fx__picture", args: {} }] };
      if (results.length === 1) return { toolCalls: [{ name: "fx__fail", args: {} }] };
      return { text: "done" };
    });
    const asked = m.slack.say({ channel: "C0MCP02", user: "U0000ALICE", text: `${MENTION} pic` });
    await m.deliver(asked);
    await m.slack.waitForReaction(asked);
    const items = await m.items(threadPath(asked));
    expect(items.filter((i) => i.type === "tool_result")).toEqual([
      expect.objectContaining({
        name: "fx__picture",
        output: "a 1x1 pixel",
        attachments: [{ type: "image", mimeType: "image/png", bytes: expect.any(Number) }],
      }),
      expect.objectContaining({
        name: "fx__fail",
        isError: true,
        output: "the fixture refused: no such record",
      }),
    ]);
  });

  it("writes no resolved ${NAME} value to any file or log line", async () => {
    const files = await allFiles(m.home);
    const leaks: string[] = [];
    for (const file of files) {
      const path = relative(m.home, file);
      // The machine's copy of the instance env (0600), where the platform put the values: the
      // one place they live. Everything else — the workspace, the streams, the config — holds
      // only the references.
      if (path === ".iterate/env.json") continue;
      // A file gone since the listing (a temp file renamed) holds nothing; any other error fails.
      const text = await readFile(file, "latin1").catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return "";
        throw error;
      });
      if (text.includes(FX_TOKEN) || text.includes(WEB_TOKEN)) leaks.push(path);
    }
    expect(files.length).toBeGreaterThan(3);
    expect(leaks).toEqual([]);
    expect(m.daemon.output()).not.toContain(FX_TOKEN);
    expect(m.daemon.output()).not.toContain(WEB_TOKEN);
    const body = JSON.stringify(await config());
    expect(body).not.toContain(FX_TOKEN);
    expect(body).not.toContain(WEB_TOKEN);
    expect(body).toContain("${FX_TOKEN}");
  });
});

describe("GET /platform/config reports the servers", () => {
  it("lists each with its state and tools; connect=true starts what is not running", async () => {
    const servers = (await config(true)).mcpServers;
    expect(servers.map((s) => [s.name, s.transport, s.state])).toEqual([
      ["fx", "stdio", "ready"],
      ["web", "http", "ready"],
    ]);
    expect(server(servers, "web").tools).toEqual([
      { name: "web__lookup", tool: "lookup", description: "Looks a key up." },
    ]);
    expect(server(servers, "fx").target).toBe(`node ${FIXTURE}`);
  });

  it("a crashed server is reported and restarted", async () => {
    m.llm.respond((req) =>
      toolResults(req).length === 0
        ? { toolCalls: [{ name: "fx__crash", args: {} }] }
        : { text: "it crashed" },
    );
    const asked = m.slack.say({ channel: "C0MCP03", user: "U0000ALICE", text: `${MENTION} crash` });
    await m.deliver(asked);
    await m.slack.waitForReaction(asked);
    const items = await m.items(threadPath(asked));
    expect(items.find((i) => i.type === "tool_result")).toMatchObject({
      name: "fx__crash",
      isError: true,
    });
    const restarted = await eventually(async () => {
      const fxNow = server((await config()).mcpServers, "fx");
      return fxNow.restarts >= 1 && fxNow.state === "ready" && fxNow;
    });
    // The latest failure stays readable after the restart.
    expect(restarted.error).toMatch(/stopped unexpectedly: fixture: crashing on request/);
    expect(m.daemon.output()).toMatch(
      /mcp: fx: the server stopped unexpectedly: fixture: crashing on request/,
    );
  });

  it("a config change adds a server without a daemon restart, and a missing env var is said", async () => {
    const pings = m.platform.pings.length;
    await writeConfig({
      fx,
      web: webServer(),
      echo2: { command: "node", args: [FIXTURE] },
      nokey: { url: web.url, headers: { Authorization: "Bearer ${NOT_IN_THE_ENV}" } },
    });
    m.llm.respond((req) =>
      toolResults(req).length === 0
        ? { toolCalls: [{ name: "echo2__echo", args: { text: "new server" } }] }
        : { text: `said: ${toolResults(req)[0]}` },
    );
    const asked = m.slack.say({ channel: "C0MCP04", user: "U0000ALICE", text: `${MENTION} echo` });
    await m.deliver(asked);
    await m.slack.waitForReaction(asked);
    const answer = m.slack
      .replies("C0MCP04", asked.ts)
      .find((msg) => msg.metadata?.event_type === "iterate_agent_answer");
    expect(answer?.text).toBe("said: echo: new server");
    // The model was told which server is unavailable and why.
    const system = m.llm.requests.at(-1)?.body.messages[0];
    expect(String(system?.content)).toMatch(
      /- nokey: unavailable \(failed\); its error: "\$\{NOT_IN_THE_ENV\} is not set in the instance env/,
    );
    const servers = (await config()).mcpServers;
    expect(server(servers, "nokey")).toMatchObject({ state: "failed" });
    expect(m.platform.pings.length).toBe(pings); // the same daemon all along
  });

  it("an instance env change reaches the server: it restarts with the new value", async () => {
    await writeConfig({ fx });
    await config(true);
    const res = await m.pushInstanceEnv({ FX_TOKEN: "fx-rotated-value-77", WEB_TOKEN });
    expect(res.status).toBe(200);
    m.llm.respond((req) =>
      toolResults(req).length === 0
        ? { toolCalls: [{ name: "fx__token_digest", args: {} }] }
        : { text: toolResults(req)[0] ?? "" },
    );
    const asked = m.slack.say({
      channel: "C0MCP05",
      user: "U0000ALICE",
      text: `${MENTION} digest`,
    });
    await m.deliver(asked);
    await m.slack.waitForReaction(asked);
    const digest = createHash("sha256").update("fx-rotated-value-77").digest("hex");
    const answer = m.slack
      .replies("C0MCP05", asked.ts)
      .find((msg) => msg.metadata?.event_type === "iterate_agent_answer");
    expect(answer?.text).toBe(`digest ${digest}`);
  });
});

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? allFiles(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
    ),
  );
  return nested.flat();
}
