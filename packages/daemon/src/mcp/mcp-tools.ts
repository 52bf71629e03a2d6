import { createHash } from "node:crypto";
import type { AgentTool } from "@mariozechner/pi-agent-core";
import type { ImageContent, TextContent, TSchema } from "@mariozechner/pi-ai";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { capOutput } from "../agent/tools/output-cap.ts";
import type { McpConnection } from "./mcp-connection.ts";

/** Providers accept tool names of `[A-Za-z0-9_-]{1,64}`. */
const MAX_TOOL_NAME = 64;
/** Longest tool description given to the model. */
const MAX_DESCRIPTION = 2048;
/** Largest image (decoded) handed to the model; larger ones are described instead. */
const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/**
 * The names a server's tools are offered as: `<server>__<tool>`, with characters providers refuse
 * replaced by `_`, cut to 64 with a short hash when longer, and made unique.
 *
 * @example offeredNames("github", [{ name: "create.issue" }]) // [["github__create_issue", tool]]
 */
export function offeredNames(server: string, tools: Tool[]): Array<[string, Tool]> {
  const taken = new Set<string>();
  return tools.map((tool) => {
    let name = `${server}__${tool.name.replace(/[^A-Za-z0-9_-]/g, "_")}`;
    if (name.length > MAX_TOOL_NAME || taken.has(name)) {
      const hash = createHash("sha256").update(tool.name).digest("hex").slice(0, 8);
      name = `${name.slice(0, MAX_TOOL_NAME - 9)}_${hash}`;
    }
    taken.add(name);
    return [name, tool];
  });
}

/**
 * One MCP tool as an agent tool: the model sees its JSON schema and description; a call goes
 * to the server (within its time-out, aborted with the run); the result's text and images come
 * back, and an `isError` result is the tool's failure.
 *
 * @example const tools = offeredNames("fx", c.tools()).map(([name, tool]) => createMcpAgentTool("fx", () => c, name, tool));
 */
export function createMcpAgentTool(
  server: string,
  connection: () => McpConnection | null,
  name: string,
  tool: Tool,
): AgentTool<TSchema, Record<string, unknown>> {
  // Providers want the bare object schema; the SDK's servers add a `$schema` line.
  const { $schema: _dialect, ...parameters } = tool.inputSchema;
  const description = (tool.description ?? tool.title ?? "").slice(0, MAX_DESCRIPTION);
  return {
    name,
    label: `${server}: ${tool.title ?? tool.name}`,
    description: description || `The ${tool.name} tool of the ${server} MCP server.`,
    // MCP input schemas are JSON Schema, which is what providers take as parameters.
    parameters: parameters as unknown as TSchema,
    async execute(_id, params, signal) {
      // Looked up per call: a server restarted for a changed config or env is the one reached.
      const current = connection();
      if (!current) throw new Error(`The MCP server ${server} is no longer configured.`);
      const result = await current.call(tool.name, params as Record<string, unknown>, signal);
      const content = toContent(result);
      if (result.isError) {
        const text = content.map((part) => (part.type === "text" ? part.text : "")).join("\n");
        throw new Error(text || `The MCP tool ${tool.name} of ${server} failed.`);
      }
      return { content, details: { server, tool: tool.name } };
    },
  };
}

/** An MCP result as model content: text and images kept, the rest described in words. */
function toContent(result: CallToolResult): Array<TextContent | ImageContent> {
  const parts: Array<TextContent | ImageContent> = [];
  for (const item of result.content ?? []) {
    switch (item.type) {
      case "text":
        parts.push({ type: "text", text: capOutput(item.text) });
        break;
      case "image": {
        const bytes = Math.floor((item.data.length * 3) / 4);
        parts.push(
          bytes <= MAX_IMAGE_BYTES
            ? { type: "image", data: item.data, mimeType: item.mimeType }
            : { type: "text", text: `[an image (${item.mimeType}) of ${bytes} bytes, too large]` },
        );
        break;
      }
      case "resource": {
        const resource = item.resource as { uri: string; text?: string; mimeType?: string };
        parts.push({
          type: "text",
          text:
            typeof resource.text === "string"
              ? capOutput(`[resource ${resource.uri}]\n${resource.text}`)
              : `[binary resource ${resource.uri} (${resource.mimeType ?? "unknown type"})]`,
        });
        break;
      }
      case "resource_link":
        parts.push({
          type: "text",
          text: `[resource link ${item.uri}${item.name ? ` (${item.name})` : ""}]`,
        });
        break;
      default:
        parts.push({ type: "text", text: `[${item.type} content, not shown]` });
    }
  }
  if (parts.length === 0 && result.structuredContent !== undefined) {
    parts.push({ type: "text", text: capOutput(JSON.stringify(result.structuredContent)) });
  }
  if (parts.length === 0) parts.push({ type: "text", text: "(no output)" });
  return parts;
}
