/** The HTTP plumbing of the fake Slack (fake-slack.ts): JSON answers, bodies, parameters. */
import type { IncomingMessage, ServerResponse } from "node:http";

export function send(res: ServerResponse, status: number, body: unknown, headers = {}) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The parameters Slack reads: the query string, then a form or JSON body on top. */
export function paramsOf(url: URL, contentType: string, body: Buffer): Record<string, unknown> {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const text = body.toString("utf8");
  if (contentType.startsWith("application/x-www-form-urlencoded")) {
    Object.assign(params, Object.fromEntries(new URLSearchParams(text)));
  } else if (contentType.startsWith("application/json")) {
    try {
      Object.assign(params, JSON.parse(text));
    } catch {
      // Slack answers invalid JSON with invalid_json; the method then sees no parameters.
    }
  }
  return params;
}
