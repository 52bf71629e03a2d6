/**
 * `/api/auth`: sign-up, log-in and log-out for API clients. The session travels as the
 * `iterate_session` cookie, exactly as for the dashboard.
 */
import { Hono } from "hono";
import { loginSchema, signupSchema } from "../api-schemas.ts";
import type { AppEnv } from "../app-env.ts";
import { logIn, signUp } from "../auth/accounts.ts";
import { clearSessionCookie, readSessionCookie, setSessionCookie } from "../auth/cookies.ts";
import { createDb } from "../db/client.ts";
import { deleteSession } from "../db/sessions.ts";
import { readJson } from "../http/read-input.ts";
import { startFirstMachine } from "../machines/instance-do.ts";
import { instanceJson, userJson } from "./serialize.ts";

/** Mounted at `/api/auth`. */
export const authRoutes = new Hono<AppEnv>()
  .post("/signup", async (c) => {
    const input = await readJson(c, signupSchema);
    const { user, instance, cookieValue, expiresAt } = await signUp(createDb(c.env.DB), input);
    await startFirstMachine(c.env, instance.id);
    setSessionCookie(c, cookieValue, expiresAt);
    return c.json({ user: userJson(user), instance: instanceJson(instance) }, 201);
  })
  .post("/login", async (c) => {
    const input = await readJson(c, loginSchema);
    const { user, cookieValue, expiresAt } = await logIn(createDb(c.env.DB), input);
    setSessionCookie(c, cookieValue, expiresAt);
    return c.json({ user: userJson(user) }, 200);
  })
  .post("/logout", async (c) => {
    const cookie = readSessionCookie(c);
    if (cookie) await deleteSession(createDb(c.env.DB), cookie);
    clearSessionCookie(c);
    return c.body(null, 204);
  });
