#!/usr/bin/env node
// A real stdio MCP server for the tests, built with the SDK's server side. Started by the daemon
// as configured in iterate.config.json (`node <this file>`); what it does is told by its tools:
//   echo {text}       → the text
//   token_digest {}   → sha256 of $API_TOKEN, so a test can check the resolved value without it
//                       ever being written anywhere
//   whereami {}       → its cwd, pid, $MARKER and which credential env names it got
//   picture {}        → a 1×1 PNG image and a caption
//   fail {}           → an isError result
//   slow {ms}         → answers after ms
//   crash {}          → writes a line to stderr and exits 3
//   add_tool {}       → registers `late` (the SDK sends notifications/tools/list_changed)
// With FIXTURE_FAIL_START=1 it writes why to stderr and exits before speaking MCP.
import { createHash } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

if (process.env.FIXTURE_FAIL_START === "1") {
  process.stderr.write("fixture: FIXTURE_CONFIG is missing, cannot start\n");
  process.exit(1);
}

const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const text = (t) => ({ content: [{ type: "text", text: t }] });
const server = new McpServer({ name: "fixture", version: "1.0.0" });

server.registerTool(
  "echo",
  { description: "Echoes the text back.", inputSchema: { text: z.string() } },
  async ({ text: t }) => text(`echo: ${t}`),
);
server.registerTool("token_digest", { description: "Digest of API_TOKEN." }, async () =>
  text(
    `digest ${createHash("sha256")
      .update(process.env.API_TOKEN ?? "")
      .digest("hex")}`,
  ),
);
server.registerTool("whereami", { description: "cwd and pid." }, async () =>
  text(
    JSON.stringify({
      cwd: process.cwd(),
      pid: process.pid,
      marker: process.env.MARKER,
      // Names only: which credentials this process was given.
      credentials: ["ITERATE_MACHINE_TOKEN", "OPENAI_API_KEY", "GIVEN_TOKEN"].filter(
        (name) => name in process.env,
      ),
    }),
  ),
);
// FIXTURE_EXTRA_TOOLS=n adds tools extra_0 … extra_<n-1>.
for (let i = 0; i < Number(process.env.FIXTURE_EXTRA_TOOLS ?? 0); i++) {
  server.registerTool(`extra_${i}`, { description: `Extra ${i}.` }, async () => text(`${i}`));
}
server.registerTool("picture", { description: "A tiny picture." }, async () => ({
  content: [
    { type: "text", text: "a 1x1 pixel" },
    { type: "image", data: PNG, mimeType: "image/png" },
  ],
}));
server.registerTool("fail", { description: "Always fails." }, async () => ({
  isError: true,
  content: [{ type: "text", text: "the fixture refused: no such record" }],
}));
server.registerTool(
  "slow",
  { description: "Answers late.", inputSchema: { ms: z.number() } },
  async ({ ms }) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return text("finally");
  },
);
server.registerTool("crash", { description: "Exits." }, async () => {
  process.stderr.write("fixture: crashing on request\n");
  process.exit(3);
});
server.registerTool("add_tool", { description: "Adds the late tool." }, async () => {
  server.registerTool("late", { description: "Added later." }, async () => text("late tool"));
  return text("added");
});

await server.connect(new StdioServerTransport());
