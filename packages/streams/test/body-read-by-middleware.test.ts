import type { HttpBindings } from "@hono/node-server";
import { Hono, type MiddlewareHandler } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { createAgentsApp, createMemoryStreamStore } from "../src/index.ts";
import { serveApp } from "./support/serve-app.ts";

// A middleware in front of the app that reads each body itself, as the daemon's platformAuth
// does, and hands on *other* bytes than were sent: what the stream then holds shows where the
// app took its body from.
function readsBodies(handOn: "rawBody" | "bodyCache"): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== "POST") return next();
    const { incoming } = c.env as HttpBindings;
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const handed = Buffer.from(Buffer.concat(chunks).toString().toUpperCase());
    if (handOn === "rawBody") (incoming as typeof incoming & { rawBody?: Buffer }).rawBody = handed;
    else {
      const own = new Uint8Array(handed).buffer;
      (c.req.bodyCache as { arrayBuffer?: Promise<ArrayBuffer> }).arrayBuffer =
        Promise.resolve(own);
    }
    return next();
  };
}

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function serveWith(middleware: MiddlewareHandler, bodyReadByMiddleware: boolean) {
  const app = new Hono();
  app.onError((error, c) =>
    c.json({ error: { code: "internal_error", message: String(error) } }, 500),
  );
  app.use(middleware);
  app.route(
    "/agents",
    createAgentsApp({ store: createMemoryStreamStore(), bodyReadByMiddleware, maxAppendBytes: 16 }),
  );
  const server = await serveApp(app);
  servers.push(server);
  const text = { "content-type": "text/plain" };
  await fetch(`${server.url}/agents/s`, { method: "PUT", headers: text });
  return {
    append: (body: string) =>
      fetch(`${server.url}/agents/s`, { method: "POST", headers: text, body }),
    read: async () => (await fetch(`${server.url}/agents/s?offset=-1`)).text(),
  };
}

describe("bodyReadByMiddleware under @hono/node-server", () => {
  for (const handOn of ["rawBody", "bodyCache"] as const) {
    it(`appends the bytes the middleware handed on as ${handOn}, and caps them (413)`, async () => {
      const stream = await serveWith(readsBodies(handOn), true);
      expect((await stream.append("hello")).status).toBe(204);
      const tooLarge = await stream.append("x".repeat(17));
      expect(tooLarge.status).toBe(413);
      expect((await tooLarge.json()).error.code).toBe("payload_too_large");
      expect(await stream.read()).toBe("HELLO");
    });
  }

  it("fails loudly, not as an empty body, when a middleware read the body unannounced", async () => {
    const stream = await serveWith(readsBodies("rawBody"), false);
    const answer = await stream.append("hello");
    expect(answer.status).toBe(500);
    expect((await answer.json()).error.message).toContain("bodyReadByMiddleware: true");
    expect(await stream.read()).toBe("");
  });
});
