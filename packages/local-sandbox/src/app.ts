import { errorBody } from "@iterate/contract";
import { Hono } from "hono";
import { bearerSecret } from "./bearer-secret.ts";
import { localSandboxErrorHandler } from "./error-handler.ts";
import type { SandboxRegistry } from "./sandbox-registry.ts";
import { createSandboxesRoutes } from "./sandboxes-routes.ts";

/** Options of {@link createLocalSandboxApp}. */
export interface LocalSandboxAppOptions {
  /** The shared secret every route but `GET /healthz` requires as `Authorization: Bearer`. */
  secret: string;
  registry: SandboxRegistry;
  log: (line: string) => void;
}

/**
 * The service's HTTP surface: `GET /healthz` (public) and `/sandboxes` (bearer secret).
 *
 * @example
 * const app = createLocalSandboxApp({ secret, registry, log: console.error });
 * await app.request("/healthz"); // 200 { ok: true }
 */
export function createLocalSandboxApp(options: LocalSandboxAppOptions) {
  const app = new Hono();
  app.onError(localSandboxErrorHandler({ log: options.log }));
  app.notFound((c) =>
    c.json(errorBody("not_found", `No route for ${c.req.method} ${c.req.path}`), 404),
  );
  // Registered before the secret check: its handler answers without calling next.
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.use(bearerSecret({ secret: options.secret }));
  app.route("/sandboxes", createSandboxesRoutes({ registry: options.registry }));
  return app;
}
