import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { mcpFetch } from "../../src/mcp/mcp-fetch.ts";
import { listenLocal } from "../platform/support/http-fake.ts";

// mcpFetch against real HTTP servers on 127.0.0.1: how much an MCP server reached over HTTP can
// make the daemon read (its redirects: mcp-hardening.test.ts).

const SECRET = "mcp-header-secret-4f1a";

interface Seen {
  method: string;
  url: string;
  apiKey: string | undefined;
  body: string;
}

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server answering each request with `answer`, recording what it got. */
async function serve(answer: (req: IncomingMessage, res: ServerResponse, seen: Seen[]) => void) {
  const seen: Seen[] = [];
  const http = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const apiKey = req.headers["x-api-key"];
    seen.push({
      method: req.method ?? "",
      url: req.url ?? "",
      apiKey: typeof apiKey === "string" ? apiKey : undefined,
      body: Buffer.concat(chunks).toString(),
    });
    answer(req, res, seen);
  });
  const listening = await listenLocal(http, 0);
  servers.push(listening);
  return { url: `http://127.0.0.1:${listening.port}`, seen };
}

const post = (body = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'): RequestInit => ({
  method: "POST",
  headers: { "x-api-key": SECRET, "content-type": "application/json" },
  body,
});

describe("mcpFetch: what an MCP server can make the daemon read", () => {
  it("passes an answer within the cap through whole, and fails one past it in words", async () => {
    const web = await serve((req, res) => {
      const size = req.url === "/big" ? 4097 : 4096;
      res.writeHead(200, { "content-type": "application/json", "x-kept": "yes" });
      res.end("x".repeat(size));
    });
    const guarded = mcpFetch({ maxBytes: 4096 });
    const small = await guarded(`${web.url}/small`, post());
    expect(small.status).toBe(200);
    expect(small.headers.get("x-kept")).toBe("yes");
    expect((await small.text()).length).toBe(4096);
    const big = await guarded(`${web.url}/big`, post());
    await expect(big.text()).rejects.toThrow("the server sent more than 4096 bytes in one answer");
  });

  it("takes the media type, not a mention of it: a JSON answer dressed as a stream keeps the total cap", async () => {
    const web = await serve((req, res) => {
      const type =
        req.url === "/dressed" ? 'application/json; x="text/event-stream"' : "TEXT/Event-Stream";
      res.writeHead(200, { "content-type": type });
      // Blank lines every 500 bytes: under a per-event count this would never trip the cap.
      for (let i = 0; i < 40; i++) res.write(`${"[1,".repeat(125)}\n\n`);
      res.end();
    });
    const guarded = mcpFetch({ maxBytes: 1024 });
    const dressed = await guarded(`${web.url}/dressed`, post());
    await expect(dressed.text()).rejects.toThrow("more than 1024 bytes in one answer");
    const upper = await guarded(`${web.url}/upper`, post());
    expect((await upper.text()).length).toBe(40 * 377);
  });

  it("lets an event stream run past the cap in small events, but not one event past it", async () => {
    const event = (text: string, eol = "\n") => `data: ${text}${eol}${eol}`;
    const web = await serve((req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      if (req.url === "/many") {
        for (let i = 0; i < 40; i++) res.write(event("y".repeat(500), i % 2 ? "\r\n" : "\n"));
      } else {
        res.write(event("ok"));
        // One event, written in pieces: the cap counts across chunks.
        for (let i = 0; i < 5; i++) res.write(`data: ${"z".repeat(300)}\n`);
      }
      res.end();
    });
    const guarded = mcpFetch({ maxBytes: 1024 });
    const many = await (await guarded(`${web.url}/many`, post())).text();
    expect(many.length).toBeGreaterThan(20_000);
    const huge = await guarded(`${web.url}/huge`, post());
    await expect(huge.text()).rejects.toThrow("the server sent more than 1024 bytes in one event");
  });
});
