import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { scrubAndCap, scrubbedHead, scrubTools } from "../../src/mcp/mcp-scrub.ts";
import { useHubHarness } from "./support/hub-harness.ts";

// What an MCP server says is scrubbed of the instance's secrets before anyone reads it, and
// only what is kept is scrubbed: never a piece of a secret a cut went through.

const SECRET = "s3cret-token-from-the-instance-env";
const OTHER = "other-instance-secret-never-referenced";
const scrub = (text: string) => text.split(SECRET).join("${SECRET_TOKEN}");
/** Any 8 characters of the secret in a row: a piece of it that would still say too much. */
const holdsPiece = (text: string) =>
  Array.from({ length: SECRET.length - 7 }, (_, i) => SECRET.slice(i, i + 8)).some((piece) =>
    text.includes(piece),
  );

describe("scrubbing what a cap keeps", () => {
  it("never keeps a piece of a secret, wherever in a large answer it lies", () => {
    const cap = 1024;
    // The answer is megabytes; secrets sit at the cap's cuts and across every piece boundary
    // the scrub might use (2 × (cap + margin) in, then twice that), from the start and from the end.
    const size = 4 * 1024 * 1024;
    for (const at of [
      0, 500, 510, 200_000, 395_240, 395_250, 395_264, 790_520, 790_528, 1_000_000,
    ]) {
      for (const fromEnd of [false, true]) {
        const chars = Array.from({ length: size }, (_, i) => String.fromCharCode(97 + (i % 26)));
        const start = fromEnd ? size - at - SECRET.length : at;
        const text = `${chars.slice(0, start).join("")}${SECRET}${chars.slice(start + SECRET.length).join("")}`;
        const out = scrubAndCap(text, scrub, cap);
        expect(holdsPiece(out), `${at} ${fromEnd ? "from the end" : ""}`).toBe(false);
        expect(Buffer.byteLength(out)).toBeLessThan(cap + 200);
      }
    }
  });

  it("says how much it left out, the unscrubbed middle included", () => {
    const text = "x".repeat(3_000_000);
    const out = scrubAndCap(text, scrub, 1024);
    expect(out).toContain(`[… ${3_000_000 - 1024} bytes omitted: output capped at 1024 bytes …]`);
    expect(out.startsWith("x".repeat(512))).toBe(true);
  });

  it("keeps whole an answer under the cap, scrubbed", () => {
    expect(scrubAndCap(`a ${SECRET} b`, scrub)).toBe("a ${SECRET_TOKEN} b");
  });

  it("scrubs a head even when the scrub shortens it by more than the margin", () => {
    // Secrets far longer than their `${NAME}`: the first piece scrubs down to almost nothing.
    const long = "L".repeat(50_000);
    const shorten = (text: string) => text.split(long).join("${L}");
    const text = `${long.repeat(20)}tail${"x".repeat(1_000_000)}`;
    const head = scrubbedHead(text, shorten, 100);
    expect(head.startsWith("${L}".repeat(20))).toBe(true);
    expect(head).not.toContain("LLLL");
    expect(head.length).toBeGreaterThanOrEqual(100);
  });
});

describe("a tool list", () => {
  const tool = (over: Partial<Tool>): Tool => ({
    name: "t",
    inputSchema: { type: "object" },
    ...over,
  });

  it("is scrubbed in every string of its input schema, keys included", () => {
    const [listed] = scrubTools(
      [
        tool({
          inputSchema: {
            type: "object",
            properties: {
              [SECRET]: { type: "string", description: `use ${SECRET}`, default: SECRET },
              mode: { type: "string", enum: ["a", SECRET] },
            },
          },
        }),
      ],
      scrub,
      2048,
    );
    expect(JSON.stringify(listed)).not.toContain(SECRET);
    expect(JSON.stringify(listed)).toContain("${SECRET_TOKEN}");
  });

  it("does not offer a tool whose name holds a secret (it is called by that name)", () => {
    const listed = scrubTools([tool({ name: `get_${SECRET}` }), tool({ name: "ok" })], scrub, 2048);
    expect(listed.map((t) => t.name)).toEqual(["ok"]);
  });
});

describe("a server that puts the env into its tool list", () => {
  const h = useHubHarness({ machineEnv: { SECRET_TOKEN: SECRET, OTHER_SECRET: OTHER } });

  it("never shows a secret in a tool's title, description, schema or name", async () => {
    const server = [
      `import { McpServer } from '${import.meta.resolve("@modelcontextprotocol/sdk/server/mcp.js")}';`,
      `import { StdioServerTransport } from '${import.meta.resolve("@modelcontextprotocol/sdk/server/stdio.js")}';`,
      `import { z } from '${import.meta.resolve("zod")}';`,
      "const s = new McpServer({ name: 'leaky', version: '1' });",
      "const env = JSON.stringify(process.env);",
      "s.registerTool('env', { title: process.env.OTHER_SECRET, description: env, inputSchema: { q: z.string().describe(env).default(process.env.OTHER_SECRET) } }, async () => ({ content: [] }));",
      "s.registerTool('named_' + process.env.OTHER_SECRET, { description: 'x' }, async () => ({ content: [] }));",
      "await s.connect(new StdioServerTransport());",
    ].join("\n");
    const file = join(h.workspace, "leaky.mjs");
    await writeFile(file, server);
    const lease = await h.hub.open({ leaky: { command: "node", args: [file] } });
    expect(h.statusOf("leaky").state).toBe("ready");
    expect(h.statusOf("leaky").tools.map((t) => t.tool)).toEqual(["env"]);
    expect(h.statusOf("leaky").tools[0]?.description).toContain("PATH");
    const shown = `${JSON.stringify(h.hub.status())}\n${h.logs.join("\n")}`;
    const offered = JSON.stringify(
      lease.tools.map((t) => [t.name, t.label, t.description, t.parameters]),
    );
    expect(offered).toContain("PATH");
    for (const secret of [SECRET, OTHER]) {
      expect(shown).not.toContain(secret);
      expect(offered).not.toContain(secret);
    }
    lease.release();
  });
});
