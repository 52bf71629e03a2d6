/**
 * The platform app: middleware and sub-apps wired together, with exactly one `onError`.
 *
 * - `/api/*` — JSON API (session cookie or `Bearer itk_…` user token); `/api/machine/*` and the
 *   LLM proxy `/api/llm/openai/v1/*` are the machine-facing part (`Bearer` machine token)
 * - `/api/slack/:method` — the Slack Web API proxy (`Bearer` machine token, bot token swapped in)
 * - `/slack/install`, `/slack/oauth/callback` — "Add to Slack" (session cookie)
 * - `/assets/*` — the dashboard's CSS and JS
 * - `/instances/:id/machine-ui/<capability>/*` — the machine's own `/ui`, proxied and sandboxed
 *   (the capability, not the cookie, is its authority: routes/machine-ui.ts)
 * - everything else — the server-rendered dashboard (session cookie, CSRF-protected forms)
 */
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { timing } from "hono/timing";
import type { AppEnv } from "./app-env.ts";
import { isDevelopment } from "./development.ts";
import { apiAuth } from "./middleware/api-auth.ts";
import { csrf, sameOrigin } from "./middleware/csrf.ts";
import { errorHandler, notFoundHandler } from "./middleware/error-handler.tsx";
import { flash } from "./middleware/flash.ts";
import { instanceAccess } from "./middleware/instance-access.ts";
import { requireUser } from "./middleware/require-user.ts";
import { session } from "./middleware/session.ts";
import { llmProxyRoutes } from "./proxies/llm-proxy.ts";
import { slackProxyRoutes } from "./proxies/slack-proxy.ts";
import { accessTokenRoutes } from "./routes/access-tokens.ts";
import { adminRoutes } from "./routes/admin.ts";
import { assetRoutes } from "./routes/assets.ts";
import { authRoutes } from "./routes/auth.ts";
import { envVarRoutes } from "./routes/env-vars.ts";
import { instanceRoutes } from "./routes/instances.ts";
import { machinePingRoutes } from "./routes/machine-ping.ts";
import { machineUiEntry, machineUiProxy } from "./routes/machine-ui.tsx";
import { machineRoutes } from "./routes/machines.ts";
import { accessTokenPages } from "./routes/pages/access-token-pages.tsx";
import { agentPages } from "./routes/pages/agent-pages.tsx";
import { authPages } from "./routes/pages/auth-pages.tsx";
import { envVarPages } from "./routes/pages/env-var-pages.tsx";
import { instancePages } from "./routes/pages/instance-pages.tsx";
import { machinePages } from "./routes/pages/machine-pages.tsx";
import { slackPages } from "./routes/pages/slack-pages.tsx";
import { toolPages } from "./routes/pages/tool-pages.tsx";
import { usagePages } from "./routes/pages/usage-pages.tsx";
import { slackInstallRoutes } from "./routes/slack-install.ts";
import { usageRoutes } from "./routes/usage.ts";
import { slackEventsEdge } from "./slack/events-edge.ts";

/** The JSON API, mounted at `/api`. */
function createApi() {
  const api = new Hono<AppEnv>();
  api.use("*", sameOrigin());
  api.route("/auth", authRoutes);
  api.route("/machine", machinePingRoutes);
  api.route("/admin", adminRoutes);
  api.route("/slack", slackProxyRoutes());
  api.route("/llm/openai/v1", llmProxyRoutes());
  api.use("/instances/*", apiAuth());
  api.use("/instances/:instanceId/*", instanceAccess());
  api.route("/instances", instanceRoutes);
  api.route("/instances/:instanceId/access-tokens", accessTokenRoutes);
  api.route("/instances/:instanceId/env-vars", envVarRoutes);
  api.route("/instances/:instanceId/machines", machineRoutes);
  api.route("/instances/:instanceId/usage", usageRoutes);
  return api;
}

/** The dashboard, mounted at `/`. */
function createDashboard() {
  const pages = new Hono<AppEnv>();
  pages.use("*", async (c, next) => {
    await next();
    // Pages carry CSRF tokens and private data: never cache them anywhere.
    c.header("cache-control", "no-store");
  });
  pages.use("*", csrf(), flash());
  pages.route("/", authPages);
  pages.route("/slack", slackInstallRoutes);
  pages.use("/instances/*", requireUser());
  pages.use("/instances/:instanceId/*", instanceAccess());
  pages.route("/instances/:instanceId", instancePages);
  pages.route("/instances/:instanceId/agents", agentPages);
  pages.route("/instances/:instanceId/machine-ui", machineUiEntry);
  pages.route("/instances/:instanceId/access-tokens", accessTokenPages);
  pages.route("/instances/:instanceId/env-vars", envVarPages);
  pages.route("/instances/:instanceId/machines", machinePages);
  pages.route("/instances/:instanceId/slack", slackPages);
  pages.route("/instances/:instanceId/tools", toolPages);
  pages.route("/instances/:instanceId/usage", usagePages);
  return pages;
}

/**
 * @example export default createApp(); // worker.ts
 */
export function createApp() {
  const app = new Hono<AppEnv>();
  // Server-Timing tells anyone how long our queries take: development platforms only (the bench).
  const serverTiming = timing({ crossOrigin: false });
  app.use("*", (c, next) => (isDevelopment(c.env) ? serverTiming(c, next) : next()));
  app.use(
    "*",
    secureHeaders({
      // Not `no-referrer` (the default): with it browsers send `Origin: null` on our own form
      // posts, which the CSRF check must refuse. `same-origin` keeps referrers in-house.
      referrerPolicy: "same-origin",
      // A response that brings its own policy keeps it: the proxied machine UI's sandbox.
      overwrite: false,
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    }),
  );
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.route("/assets", assetRoutes);
  // Slack-facing: authenticated by Slack's signature alone, so mounted before the session.
  app.route("/edge/slack", slackEventsEdge());
  app.use("*", session());
  app.route("/api", createApi());
  app.route("/instances/:instanceId/machine-ui", machineUiProxy);
  app.route("/", createDashboard());
  app.notFound(notFoundHandler());
  app.onError(errorHandler());
  return app;
}
