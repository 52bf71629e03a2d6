/**
 * `/api/instances/:instanceId/access-tokens`: list, create (the token is in this one response),
 * revoke. Behind `apiAuth()` + `instanceAccess()`, so another instance's tokens are 404.
 * Creating and revoking need a signed-in user: a token acting on its own (perhaps stolen) must not
 * mint its successors or revoke the others (403).
 */
import { AppError } from "@iterate/contract";
import { type Context, Hono } from "hono";
import { createAccessTokenSchema } from "../api-schemas.ts";
import type { AppEnv } from "../app-env.ts";
import {
  createAccessToken,
  listAccessTokens,
  revokeAccessToken,
  tokenExpiry,
} from "../db/access-tokens.ts";
import { createDb } from "../db/client.ts";
import { readJson } from "../http/read-input.ts";
import { accessTokenJson } from "./serialize.ts";

/** Throws 403 unless a person (session cookie) is acting, not an access token. */
function requireSignedInUser(c: Context<AppEnv>): void {
  if (c.var.principal.type !== "user") {
    throw new AppError(
      "forbidden",
      "Access tokens can be created and revoked only by a signed-in user, not with a token.",
    );
  }
}

/** Mounted at `/api/instances/:instanceId/access-tokens`. */
export const accessTokenRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const tokens = await listAccessTokens(createDb(c.env.DB), c.var.instance.id);
    return c.json({ tokens: tokens.map(accessTokenJson) });
  })
  .post("/", async (c) => {
    requireSignedInUser(c);
    const { name, expiresInDays } = await readJson(c, createAccessTokenSchema);
    const { token, row } = await createAccessToken(createDb(c.env.DB), {
      instanceId: c.var.instance.id,
      name,
      expiresAt: tokenExpiry(expiresInDays),
    });
    c.header("cache-control", "no-store");
    return c.json({ token, accessToken: accessTokenJson(row) }, 201);
  })
  .delete("/:tokenId", async (c) => {
    requireSignedInUser(c);
    const revoked = await revokeAccessToken(
      createDb(c.env.DB),
      c.var.instance.id,
      c.req.param("tokenId"),
    );
    if (!revoked) throw new AppError("not_found", "No such access token.");
    return c.body(null, 204);
  });
