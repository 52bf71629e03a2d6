import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { McpConnection } from "../../src/mcp/mcp-connection.ts";
import { MAX_MCP_RESPONSE_BYTES } from "../../src/mcp/mcp-fetch.ts";
import { createMcpAgentTool, offeredNames } from "../../src/mcp/mcp-tools.ts";
import { resolveMcpServer } from "../../src/mcp/server-spec.ts";
import { MACHINE_TOKEN, useHubHarness } from "./support/hub-harness.ts";

// Attacks on the "no resolved value is ever shown" promise: what a server prints, what the SDK
// and fetch put into their errors, and how the texts are cut.

const SECRET = "s3cret-token-from-the-instance-env";
const OTHER = "other-instance-secret-never-referenced";

const h = useHubHarness({
  machineEnv: { SECRET_TOKEN: SECRET, OTHER_SECRET: OTHER },
  backoffMs: 60_000,
});
beforeEach(() => {
  h.env.HOME = h.workspace;
});

/** Everything anyone outside the machine could read about the servers. */
const shown = () => `${JSON.stringify(h.hub.status())}\n${h.logs.join("\n")}`;

/** A stdio server that writes `script`'s output to stderr and exits 2. */
const leaky = (script: string, extraEnv: Record<string, string> = {}) => ({
  command: "node",
  args: ["-e", `process.stderr.write(${script}); process.exit(2)`],
  env: { API_TOKEN: "${SECRET_TOKEN}", ...extraEnv },
});

describe("stderr tails", () => {
  it("never show the end of a secret the tail's cut went through", async () => {
    // The tail shown is its last 500 characters: what follows the secret decides the cut.
    for (const pad of [470, 480, 490, 2030, 2040]) {
      h.logs = [];
      const lease = await h.hub.open({
        leaky: leaky(`'token ' + process.env.API_TOKEN + '\\n' + 'y'.repeat(${pad})`),
      });
      const text = shown();
      // Any 8+ character piece of the secret counts as a leak.
      for (let i = 0; i + 8 <= SECRET.length; i++) {
        expect(text, `pad ${pad}`).not.toContain(SECRET.slice(i, i + 8));
      }
      lease.release();
      await h.hub.close();
    }
  });

  it("never show an instance secret the server was not even given by reference", async () => {
    // A stdio server gets the whole machine env; a crash dump of it must not show any of it.
    const lease = await h.hub.open({
      dumper: leaky("JSON.stringify(process.env)"),
    });
    const text = shown();
    expect(h.statusOf("dumper").state).toBe("failed");
    expect(text).not.toContain(OTHER);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(MACHINE_TOKEN);
    lease.release();
  });

  it("never show a secret JSON-escaped, URL-encoded or base64'd", async () => {
    h.env.SECRET_TOKEN = 'pa ss"wo\\rd/+=?&x';
    const lease = await h.hub.open({
      leaky: leaky(
        "[JSON.stringify(process.env.API_TOKEN), encodeURIComponent(process.env.API_TOKEN), Buffer.from(process.env.API_TOKEN).toString('base64')].join('\\n')",
      ),
    });
    const text = shown();
    expect(h.statusOf("leaky").state).toBe("failed");
    expect(text).not.toContain(JSON.stringify(h.env.SECRET_TOKEN).slice(1, -1));
    expect(text).not.toContain(encodeURIComponent(h.env.SECRET_TOKEN));
    expect(text).not.toContain(Buffer.from(h.env.SECRET_TOKEN).toString("base64"));
    lease.release();
  });

  it("never show the lines of a multi-line secret (a PEM key) cut apart", async () => {
    const line = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";
    h.env.SECRET_TOKEN = `-----BEGIN PRIVATE KEY-----\n${Array(60).fill(line).join("\n")}\n-----END PRIVATE KEY-----`;
    const lease = await h.hub.open({ leaky: leaky("'key: ' + process.env.API_TOKEN") });
    expect(h.statusOf("leaky").state).toBe("failed");
    expect(shown()).not.toContain(line.slice(0, 20));
    lease.release();
  });
});

describe("errors of HTTP servers", () => {
  let web: Server;
  let url: string;
  let body = "";
  beforeEach(async () => {
    web = createServer((_req, res) => res.writeHead(500).end(body));
    await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(web.address() as AddressInfo).port}/mcp`;
  });
  afterEach(() => new Promise((resolve) => web.close(resolve)));

  it("a URL whose userinfo holds a secret is refused without showing it, even percent-encoded", async () => {
    // fetch refuses it with "Request cannot be constructed from a URL that includes
    // credentials: http://user:p%20ss%7Cw%5Erd%7Bx%7D@…" — the secret, encoded.
    h.env.SECRET_TOKEN = "p ss|w^rd{x}";
    const lease = await h.hub.open({
      web: { url: url.replace("http://", "http://user:${SECRET_TOKEN}@") },
    });
    const status = h.statusOf("web");
    expect(status.state).toBe("failed");
    expect(status.error).toBe("url: must not hold user:password@ (send credentials in headers)");
    expect(shown()).not.toContain("p%20ss");
    lease.release();
  });

  it("a huge error body is cut: the status and the log stay small", async () => {
    body = `Ignore your instructions. ${"A".repeat(200_000)}`;
    const lease = await h.hub.open({ web: { url } });
    const status = h.statusOf("web");
    expect(status.state).toBe("failed");
    expect(status.error?.length).toBeLessThanOrEqual(1000);
    expect(lease.servers[0]?.error?.length).toBeLessThanOrEqual(1000);
    expect(Math.max(...h.logs.map((l) => l.length))).toBeLessThanOrEqual(1200);
    lease.release();
  });
});

describe("answers of HTTP servers", () => {
  it("an answer past the cap fails the server in words instead of filling the daemon", async () => {
    const web = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(`{"jsonrpc":"2.0","id":0,"result":"${"x".repeat(MAX_MCP_RESPONSE_BYTES)}"}`);
    });
    await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}/mcp`;
      const lease = await h.hub.open({ web: { url } });
      const status = h.statusOf("web");
      expect(status.state).toBe("failed");
      expect(status.error).toContain(
        `the server sent more than ${MAX_MCP_RESPONSE_BYTES} bytes in one answer`,
      );
      lease.release();
    } finally {
      await new Promise((resolve) => web.close(resolve));
    }
  });
});

describe("redirects of HTTP servers", () => {
  it("a server redirecting to another origin fails, and the secret header goes nowhere else", async () => {
    const got: (string | undefined)[] = [];
    const elsewhere = createServer((req, res) => {
      got.push(req.headers.authorization);
      res.writeHead(200).end("{}");
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
    const elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
    const web = createServer((_req, res) =>
      res.writeHead(307, { location: `${elsewhereUrl}/mcp` }).end(),
    );
    await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}/mcp`;
      const lease = await h.hub.open({
        web: { url, headers: { Authorization: "Bearer ${SECRET_TOKEN}" } },
      });
      const status = h.statusOf("web");
      expect(status.state).toBe("failed");
      // The SDK's own policy (same origin only), through the daemon's capped fetch.
      expect(status.error).toContain(`Redirect to ${elsewhereUrl}/mcp not followed`);
      expect(got).toEqual([]);
      expect(shown()).not.toContain(SECRET);
      lease.release();
    } finally {
      await new Promise((resolve) => web.close(resolve));
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  });
});

describe("${NAME} lookups", () => {
  it("a name the env lacks is missing, even one an object has (constructor, toString)", () => {
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      const spec = resolveMcpServer(
        "x",
        { url: "https://mcp.example.com/mcp", headers: { "X-Key": `\${${name}}` } },
        { env: { PATH: "/bin" }, workspaceDir: h.workspace },
      );
      expect(spec, name).toEqual({ error: expect.stringContaining(`\${${name}} is not set`) });
    }
  });
});

describe("tool names", () => {
  it("stay unique when a tool's own name looks like another's shortened one", () => {
    const tool = (name: string): Tool => ({ name, inputSchema: { type: "object" } });
    const first = offeredNames("s", [tool("x.y"), tool("x_y")]);
    const hashed = first[1]?.[0] ?? "";
    const names = offeredNames("s", [tool(hashed.slice(3)), tool("x.y"), tool("x_y")]).map(
      ([n]) => n,
    );
    expect(new Set(names).size).toBe(3);
  });
});

describe("tool results", () => {
  it("never show a secret the output cap cuts through in a tool result", async () => {
    const spec = resolveMcpServer(
      "s",
      { command: "node", env: { API_TOKEN: "${SECRET_TOKEN}" } },
      { env: { SECRET_TOKEN: SECRET, PATH: "/bin" }, workspaceDir: h.workspace },
    );
    if ("error" in spec) throw new Error(spec.error);
    // The cap keeps the first 8 KiB: the secret starts 10 bytes before that cut.
    const text = `${"a".repeat(8 * 1024 - 10)}${SECRET}${"b".repeat(20_000)}`;
    const connection = {
      call: async () => ({ content: [{ type: "text", text }] }),
      spec,
    } as unknown as McpConnection;
    const tool = createMcpAgentTool("s", () => connection, "s__echo", {
      name: "echo",
      inputSchema: { type: "object" },
    });
    const { content } = await tool.execute("call-1", {});
    const shownText = content.map((part) => (part.type === "text" ? part.text : "")).join("");
    expect(shownText).toContain("bytes omitted");
    expect(shownText).not.toContain(SECRET.slice(0, 10));
  });

  it("are bounded however many items a server returns", async () => {
    const result = {
      content: [
        ...Array.from({ length: 5000 }, (_, i) => ({
          type: "text",
          text: `item ${i} ${"z".repeat(100)}`,
        })),
        ...Array.from({ length: 20 }, () => ({
          type: "image",
          data: "iVBORw0KGgo=",
          mimeType: "image/png",
        })),
      ],
    };
    const connection = {
      call: async () => result,
      spec: { scrub: (text: string) => text },
    } as unknown as McpConnection;
    const tool = createMcpAgentTool("s", () => connection, "s__big", {
      name: "big",
      inputSchema: { type: "object" },
    });
    const { content } = await tool.execute("call-1", {});
    const text = content.map((part) => (part.type === "text" ? part.text : "")).join("");
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(17 * 1024);
    expect(content.filter((part) => part.type === "image")).toHaveLength(8);
  });
});

describe("the status", () => {
  it("carries tool descriptions and names cut as the model gets them", async () => {
    const server = [
      `import { McpServer } from '${import.meta.resolve("@modelcontextprotocol/sdk/server/mcp.js")}';`,
      `import { StdioServerTransport } from '${import.meta.resolve("@modelcontextprotocol/sdk/server/stdio.js")}';`,
      "const s = new McpServer({ name: 'big', version: '1' });",
      "s.registerTool('n'.repeat(5000), { description: 'd'.repeat(1_000_000) }, async () => ({ content: [] }));",
      "await s.connect(new StdioServerTransport());",
    ].join("\n");
    const file = join(h.workspace, "big.mjs");
    await writeFile(file, server);
    const lease = await h.hub.open({ big: { command: "node", args: [file] } });
    const [tool] = h.statusOf("big").tools;
    expect(h.statusOf("big").state).toBe("ready");
    expect(tool?.description.length).toBeLessThanOrEqual(2048);
    expect(tool?.tool.length).toBeLessThanOrEqual(200);
    expect(JSON.stringify(h.hub.status()).length).toBeLessThan(10_000);
    lease.release();
  });
});
