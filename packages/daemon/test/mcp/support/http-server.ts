import { createServer, type IncomingMessage } from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";
import { listenLocal } from "../../platform/support/http-fake.ts";

/** One request as the HTTP MCP fixture received it. */
export interface RecordedMcpRequest {
  authorization: string | undefined;
  /** The JSON-RPC method (`initialize`, `tools/call`, …), when the body had one. */
  method: string | undefined;
}

/** A real Streamable HTTP MCP server on 127.0.0.1 that wants `Authorization: Bearer <token>`. */
export interface FakeHttpMcp {
  /** `http://127.0.0.1:<port>/mcp` */
  url: string;
  requests: RecordedMcpRequest[];
  /**
   * While down, every connection is dropped as it comes (and open ones at once): the client
   * sees a network error, as from a server that went away, while the port stays this fake's.
   */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

/**
 * Starts the fixture on a free port: stateless Streamable HTTP (a server and transport per request, as the
 * SDK's stateless example does), one tool `lookup {key}` → `value-of-<key>`. A request without
 * the right bearer token gets 401 before MCP sees it.
 *
 * @example const web = await startHttpMcp("s3cret"); // config: { url: web.url, headers: { Authorization: "Bearer ${WEB_TOKEN}" } }
 */
export async function startHttpMcp(token: string): Promise<FakeHttpMcp> {
  const requests: RecordedMcpRequest[] = [];
  const http = createServer(async (req, res) => {
    const body = await readJson(req);
    requests.push({
      authorization: req.headers.authorization,
      method: (body as { method?: string } | undefined)?.method,
    });
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { "content-type": "application/json" }).end('{"error":"unauthorized"}');
      return;
    }
    const server = new McpServer({ name: "web-fixture", version: "1.0.0" });
    server.registerTool(
      "lookup",
      { description: "Looks a key up.", inputSchema: { key: z.string() } },
      async ({ key }) => ({ content: [{ type: "text", text: `value-of-${key}` }] }),
    );
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  let down = false;
  http.on("connection", (socket) => {
    if (down) socket.destroy();
  });
  const listening = await listenLocal(http);
  return {
    url: `http://127.0.0.1:${listening.port}/mcp`,
    requests,
    setDown(value) {
      down = value;
      if (down) http.closeAllConnections();
    },
    close: listening.close,
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : undefined;
}
