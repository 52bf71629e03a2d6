import { AppError } from "@iterate/contract";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { readJsonBody } from "./json-body.ts";
import { createSandboxBodySchema, MAX_BODY_BYTES } from "./sandbox.ts";
import type { SandboxRegistry } from "./sandbox-registry.ts";

/**
 * `/sandboxes`: create, list, read, stop and delete sandboxes (README "API"). Mounted behind
 * `bearerSecret` by `createLocalSandboxApp`.
 *
 * @example
 * app.route("/sandboxes", createSandboxesRoutes({ registry }));
 */
export function createSandboxesRoutes(options: { registry: SandboxRegistry }) {
  const { registry } = options;
  const notFound = (id: string) => new AppError("not_found", `No sandbox ${id}`, 404);
  const app = new Hono();

  app.post(
    "/",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => {
        // The unread rest of the body is still on the wire: this connection cannot be reused.
        c.header("connection", "close");
        throw new AppError("payload_too_large", `Body over ${MAX_BODY_BYTES} bytes`, 413);
      },
    }),
    async (c) => {
      const body = await readJsonBody(c, createSandboxBodySchema);
      const outcome = await registry.create(body);
      // 502: the service works, the daemon it started (its "upstream") did not come up.
      if (!outcome.ok) throw new AppError("upstream_error", outcome.reason, 502);
      return c.json({ sandbox: outcome.sandbox }, 201);
    },
  );

  app.get("/", (c) => {
    // No prototype: `?label=__proto__=x` must filter by that key, not vanish and match all.
    const labels: Record<string, string> = Object.create(null);
    for (const filter of c.req.queries("label") ?? []) {
      const at = filter.indexOf("=");
      if (at <= 0) {
        throw new AppError("validation_failed", "label: use ?label=key=value", 400);
      }
      labels[filter.slice(0, at)] = filter.slice(at + 1);
    }
    return c.json({ sandboxes: registry.list(labels) });
  });

  app.get("/:id", (c) => {
    const sandbox = registry.get(c.req.param("id"));
    if (!sandbox) throw notFound(c.req.param("id"));
    return c.json({ sandbox });
  });

  app.post("/:id/stop", async (c) => {
    const sandbox = await registry.stop(c.req.param("id"));
    if (!sandbox) throw notFound(c.req.param("id"));
    return c.json({ sandbox });
  });

  app.delete("/:id", async (c) => {
    if (!(await registry.delete(c.req.param("id")))) throw notFound(c.req.param("id"));
    return c.body(null, 204);
  });

  return app;
}
