import { Hono } from "hono";
import type { AppEnv } from "./app-env.ts";

const app = new Hono<AppEnv>();

app.get("/healthz", (c) => c.json({ ok: true }));

export default app;
