import { homedir } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import { createDaemonApp } from "./app.ts";
import { CredentialsError } from "./credentials.ts";
import { InstanceEnvFileError } from "./env/instance-env-store.ts";
import { setupPlatform } from "./platform/platform-setup.ts";

// Order: args/env → credentials (fail fast, one line) → app with auth → listen → ping in background.
const { values: args } = parseArgs({ options: { home: { type: "string" } }, strict: true });
const home = resolve(args.home ?? process.env.HOME ?? homedir());
const port = Number(process.env.PORT ?? 3000);

const platform = await setupPlatform({ home, env: process.env, target: process.env }).catch(
  (error: unknown) => {
    if (error instanceof CredentialsError || error instanceof InstanceEnvFileError) {
      console.error(`iterate-daemon: ${error.message}`);
      process.exit(1);
    }
    throw error;
  },
);

const app = createDaemonApp({ auth: platform.auth, platform: platform.routes });
const stopping = new AbortController();
const server = serve({ fetch: app.fetch, port, hostname: "0.0.0.0" }, (info) => {
  console.log(`iterate-daemon listening on :${info.port}`);
  void platform.startPing(stopping.signal);
});

function shutdown() {
  stopping.abort();
  server.close(() => process.exit(0));
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
