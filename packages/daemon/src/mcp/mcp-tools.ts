import { createHash } from "node:crypto";
import type { AgentTool } from "@mariozechner/pi-agent-core";
import type { ImageContent, TextContent, TSchema } from "@mariozechner/pi-ai";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { base64Bytes } from "../agent/loop/tool-result-item.ts";
import { capOutput, DEFAULT_OUTPUT_CAP_BYTES } from "../agent/tools/output-cap.ts";
import type { McpConnection } from "./mcp-connection.ts";
import { scrubAndCap } from "./mcp-scrub.ts";

/** Providers accept tool names of `[A-Za-z0-9_-]{1,64}`. */
const MAX_TOOL_NAME = 64;
/** Longest tool description given to the model (and shown on the dashboard). */
export const MAX_DESCRIPTION = 2048;
/** Largest image (decoded) handed to the model; larger ones are described instead. */
const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
/** Most images of one result handed to the model; the others are described instead. */
const MAX_IMAGES = 8;

/**
 * The names a server's tools are offered as: `<server>__<tool>`, with characters providers refuse
 * replaced by `_`, cut to 64 with a short hash when longer, and made unique.
 *
 * @example offeredNames("github", [{ name: "create.issue" }]) // [["github__create_issue", tool]]
 */
export function offeredNames(server: string, tools: Tool[]): Array<[string, Tool]> {
  const taken = new Set<string>();
  return tools.map((tool) => {
    const plain = `${server}__${tool.name.replace(/[^A-Za-z0-9_-]/g, "_")}`;
    let name = plain;
    // A shortened name may be another tool's own name: salted again until it is unique.
    for (let salt = 0; name.length > MAX_TOOL_NAME || taken.has(name); salt++) {
      const hash = createHash("sha256")
        .update(salt === 0 ? tool.name : `${tool.name}\0${salt}`)
        .digest("hex")
        .slice(0, 8);
      name = `${plain.slice(0, MAX_TOOL_NAME - 9)}_${hash}`;
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
      // A server echoing its env or headers must not put the instance's secrets into the
      // model's context, the session's stream or the thread: scrubbed before any cut, so a
      // secret the cut goes through cannot survive in pieces.
      const content = toContent(result, current.spec.scrub);
      if (result.isError) {
        const text = content.map((part) => (part.type === "text" ? part.text : "")).join("\n");
        throw new Error(text || `The MCP tool ${tool.name} of ${server} failed.`);
      }
      return { content, details: { server, tool: tool.name } };
    },
  };
}

/** An MCP result as model content: text and images kept, the rest described in words. */
function toContent(
  result: CallToolResult,
  scrub: (text: string) => string,
): Array<TextContent | ImageContent> {
  const parts: Array<TextContent | ImageContent> = [];
  const text = (raw: string) => scrubAndCap(raw, scrub);
  let images = 0;
  for (const item of result.content ?? []) {
    switch (item.type) {
      case "text":
        parts.push({ type: "text", text: text(item.text) });
        break;
      case "image": {
        const bytes = base64Bytes(item.data);
        const mimeType = item.mimeType.slice(0, 100);
        const kept = bytes <= MAX_IMAGE_BYTES && images < MAX_IMAGES;
        if (kept) images++;
        parts.push(
          kept
            ? { type: "image", data: item.data, mimeType }
            : {
                type: "text",
                text: text(
                  `[an image (${mimeType}) of ${bytes} bytes, ${bytes > MAX_IMAGE_BYTES ? "too large" : `more than ${MAX_IMAGES} in one result`}]`,
                ),
              },
        );
        break;
      }
      case "resource": {
        const resource = item.resource as { uri: string; text?: string; mimeType?: string };
        parts.push({
          type: "text",
          text:
            typeof resource.text === "string"
              ? text(`[resource ${resource.uri}]\n${resource.text}`)
              : text(`[binary resource ${resource.uri} (${resource.mimeType ?? "unknown type"})]`),
        });
        break;
      }
      case "resource_link":
        parts.push({
          type: "text",
          text: text(`[resource link ${item.uri}${item.name ? ` (${item.name})` : ""}]`),
        });
        break;
      default:
        parts.push({ type: "text", text: text(`[${item.type} content, not shown]`) });
    }
  }
  if (parts.length === 0 && result.structuredContent !== undefined) {
    parts.push({ type: "text", text: text(JSON.stringify(result.structuredContent)) });
  }
  if (parts.length === 0) parts.push({ type: "text", text: "(no output)" });
  // Each text is capped, and so is their sum: thousands of small items are one big output.
  const texts = parts.flatMap((part) => (part.type === "text" ? [part.text] : []));
  const joined = texts.join("\n");
  if (texts.length > 1 && Buffer.byteLength(joined) > DEFAULT_OUTPUT_CAP_BYTES) {
    return [
      { type: "text", text: capOutput(joined) },
      ...parts.filter((part) => part.type === "image"),
    ];
  }
  return parts;
}
