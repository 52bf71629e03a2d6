import { describe, expect, it } from "vitest";
import {
  envReferences,
  iterateConfigSchema,
  MCP_SERVERS_MAX,
  substituteEnvReferences,
} from "../src/index.ts";

const issues = (value: unknown) => {
  const result = iterateConfigSchema.safeParse({ mcpServers: value });
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("mcpServers in iterate.config.json", () => {
  it("accepts stdio and Streamable HTTP servers with ${NAME} references", () => {
    const mcpServers = {
      files: {
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-filesystem", "."],
        env: { TOKEN: "${FILES_TOKEN}" },
        cwd: "tools",
        toolTimeoutSeconds: 30,
      },
      linear: {
        url: "https://mcp.linear.app/mcp",
        headers: { Authorization: "Bearer ${LINEAR_TOKEN}" },
      },
    };
    expect(iterateConfigSchema.parse({ mcpServers })).toEqual({ mcpServers });
  });

  it("names the wrong field of a server instead of saying 'Invalid input'", () => {
    expect(issues({ x: { command: "node", args: "server.js" } })).toEqual([
      "mcpServers.x.args: Invalid input: expected array, received string",
    ]);
    expect(issues({ x: { url: "ftp://host/mcp" } })).toEqual([
      "mcpServers.x.url: must be an http:// or https:// URL",
    ]);
    expect(issues({ x: { command: "node", url: "http://a" } })).toEqual([
      'mcpServers.x: Unrecognized key: "command"',
    ]);
    expect(issues({ x: {} })[0]).toMatch(/^mcpServers.x.command: /);
  });

  it("refuses cwd outside the workspace, bad references, header and server names", () => {
    expect(issues({ x: { command: "node", cwd: "../etc" } })).toEqual([
      "mcpServers.x.cwd: must be a path inside the workspace",
    ]);
    expect(issues({ x: { command: "node", args: ["${not valid}"] } })).toEqual([
      "mcpServers.x.args.0: ${not valid} is not a valid env var reference (use ${NAME}: letters, digits and _)",
    ]);
    expect(issues({ x: { url: "https://a/mcp", headers: { "Bad Header": "v" } } })).toHaveLength(1);
    // `__` separates server and tool in the names the model calls.
    for (const name of ["a__b", "_a", "a_", "a.b", "", "x".repeat(33)]) {
      expect(issues({ [name]: { command: "node" } }), name).not.toEqual([]);
    }
    for (const name of ["github", "my-server", "a_b", "A1"]) {
      expect(issues({ [name]: { command: "node" } }), name).toEqual([]);
    }
    const many = Object.fromEntries(
      Array.from({ length: MCP_SERVERS_MAX + 1 }, (_, i) => [`s${i}`, { command: "node" }]),
    );
    expect(issues(many)).toEqual([`mcpServers: at most ${MCP_SERVERS_MAX} MCP servers`]);
  });
});

describe("${NAME} references", () => {
  it("are found and substituted; a missing one is left and reported", () => {
    expect(envReferences("Bearer ${A} and ${B} and ${A}")).toEqual(["A", "B"]);
    expect(envReferences("no refs, $A or {B}")).toEqual([]);
    const env: Record<string, string> = { A: "1", B: "$2" };
    expect(substituteEnvReferences("${A}-${B}-${C}", (n) => env[n])).toEqual({
      value: "1-$2-${C}",
      missing: ["C"],
    });
    // A value is inserted as it is: `$2` is not read as a replacement pattern.
    expect(substituteEnvReferences("${B}", (n) => env[n]).value).toBe("$2");
  });
});
