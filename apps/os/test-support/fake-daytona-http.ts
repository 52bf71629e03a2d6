/**
 * The fake Daytona's HTTP plumbing: its NestJS-style error bodies, JSON answers, request bodies
 * (JSON when they parse) and the record of each request it got.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RecordedRequest } from "./fake-daytona-context.ts";

/** A Daytona-style error body (NestJS: `{ statusCode, message, error }`); the SDK reads `message`. */
export function problem(res: ServerResponse, statusCode: number, message: string) {
  const error =
    { 400: "Bad Request", 401: "Unauthorized", 404: "Not Found" }[statusCode] ?? "Error";
  json(res, statusCode, { statusCode, message, error, timestamp: new Date().toISOString() });
}

export function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

export async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function record(req: IncomingMessage, body: unknown): RecordedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return { method: req.method ?? "GET", path: req.url ?? "/", headers, body };
}
