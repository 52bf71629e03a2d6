/**
 * `/api/auth`: sign-up, log-in, log-out and log-out everywhere for API clients. The session
 * travels as the session cookie (`__Host-iterate_session`), exactly as for the dashboard.
 * Sign-up and log-in are rate-limited per IP and per email (429 `rate_limited`).
 */
import { AppError } from "@iterate/contract";
import { Hono } from "hono";
import { loginSchema, signupSchema } from "../api-schemas.ts";
import type { AppEnv } from "../app-env.ts";
import { logIn, logOutEverywhere, signUp } from "../auth/accounts.ts";
import { clearSessionCookie, readSessionCookie, setSessionCookie } from "../auth/cookies.ts";
import { passwordPepper } from "../auth/password.ts";
import { limitAuthRequest } from "../auth/rate-limit.ts";
import { createDb } from "../db/client.ts";
import { deleteSession } from "../db/sessions.ts";
import { readJson } from "../http/read-input.ts";
import { startFirstMachine } from "../machines/instance-do.ts";
import { instanceJson, userJson } from "./serialize.ts";

/** Mounted at `/api/auth`. */
export const authRoutes = new Hono<AppEnv>()
  .post("/signup", async (c) => {
    const input = await readJson(c, signupSchema);
    await limitAuthRequest(c, input.email);
    const pepper = passwordPepper(c.env.PASSWORD_PEPPER);
    const { user, instance, cookieValue, expiresAt } = await signUp(createDb(c.env.DB), input, {
      pepper,
    });
    await startFirstMachine(c.env, instance.id);
    setSessionCookie(c, cookieValue, expiresAt);
    return c.json({ user: userJson(user), instance: instanceJson(instance) }, 201);
  })
  .post("/login", async (c) => {
    const input = await readJson(c, loginSchema);
    await limitAuthRequest(c, input.email);
    const { user, cookieValue, expiresAt } = await logIn(createDb(c.env.DB), input, {
      pepper: passwordPepper(c.env.PASSWORD_PEPPER),
      previousSession: readSessionCookie(c),
    });
    setSessionCookie(c, cookieValue, expiresAt);
    return c.json({ user: userJson(user) }, 200);
  })
  .post("/logout", async (c) => {
    const cookie = readSessionCookie(c);
    if (cookie) await deleteSession(createDb(c.env.DB), cookie);
    clearSessionCookie(c);
    return c.body(null, 204);
  })
  .post("/logout-everywhere", async (c) => {
    if (!c.var.user) throw new AppError("unauthorized", "Sign in first.");
    await logOutEverywhere(createDb(c.env.DB), c.var.user.id);
    clearSessionCookie(c);
    return c.body(null, 204);
  });
