import { serve } from "@hono/node-server";
import { createDaemonApp } from "./app.ts";

const port = Number(process.env.PORT ?? 3000);
const app = createDaemonApp();
const server = serve({ fetch: app.fetch, port, hostname: "0.0.0.0" }, (info) => {
  console.log(`iterate-daemon listening on :${info.port}`);
});

process.on("SIGTERM", () => server.close(() => process.exit(0)));
process.on("SIGINT", () => server.close(() => process.exit(0)));
