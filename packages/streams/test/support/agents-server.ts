import { Hono } from "hono";
import { type AgentsAppOptions, createAgentsApp } from "../../src/index.ts";

/**
 * An app that mounts the streams sub-app at `/agents`, as the daemon does,
 * with an `onError` answering the contract's error body.
 *
 * @example
 * const server = await serveApp(agentsServer({ store }));
 */
export function agentsServer(options: AgentsAppOptions): Hono {
  const app = new Hono();
  app.onError((error, c) =>
    c.json({ error: { code: "internal_error", message: String(error) } }, 500),
  );
  app.route("/agents", createAgentsApp(options));
  return app;
}
