/** Dashboard: an instance's Access tokens page — create (shown once), list, revoke. */
import { AppError } from "@iterate/contract";
import { type Context, Hono } from "hono";
import { createAccessTokenSchema } from "../../api-schemas.ts";
import type { AppEnv } from "../../app-env.ts";
import {
  createAccessToken,
  listAccessTokens,
  revokeAccessToken,
  tokenExpiry,
} from "../../db/access-tokens.ts";
import { createDb } from "../../db/client.ts";
import { readForm } from "../../http/read-input.ts";
import { setFlash } from "../../middleware/flash.ts";
import { AccessTokensPage } from "../../ui/pages/access-tokens-page.tsx";
import { formAction, layoutProps } from "./page-context.ts";

/** The tokens the page lists: machine tokens are the platform's own (minted and revoked with their machine). */
async function listUserTokens(c: Context<AppEnv>) {
  const tokens = await listAccessTokens(createDb(c.env.DB), c.var.instance.id);
  return tokens.filter((t) => t.kind === "user");
}

/** Mounted at `/instances/:instanceId/access-tokens` behind `requireUser()` + `instanceAccess()`. */
export const accessTokenPages = new Hono<AppEnv>()
  .get("/", async (c) => {
    const tokens = await listUserTokens(c);
    return c.html(<AccessTokensPage {...layoutProps(c)} tokens={tokens} />);
  })
  .post("/", async (c) => {
    const back = `/instances/${c.var.instance.id}/access-tokens`;
    let created: { name: string; token: string };
    try {
      const { name, expiresInDays } = await readForm(c, createAccessTokenSchema);
      const { token } = await createAccessToken(createDb(c.env.DB), {
        instanceId: c.var.instance.id,
        name,
        expiresAt: tokenExpiry(expiresInDays),
      });
      created = { name, token };
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      setFlash(c, "error", error.message);
      return c.redirect(back, 303);
    }
    // Rendered in this response only (no redirect), so the token never sits in a cookie or URL.
    const tokens = await listUserTokens(c);
    const flash = { kind: "success" as const, message: `Token “${created.name}” created.` };
    return c.html(
      <AccessTokensPage {...layoutProps(c)} flash={flash} tokens={tokens} created={created} />,
      201,
    );
  })
  .post("/:tokenId/revoke", (c) => {
    const back = `/instances/${c.var.instance.id}/access-tokens`;
    return formAction(c, back, async () => {
      const db = createDb(c.env.DB);
      const ok = await revokeAccessToken(db, c.var.instance.id, c.req.param("tokenId"));
      if (!ok) throw new AppError("not_found", "That token no longer exists.");
      return "Token revoked. Requests using it are now refused.";
    });
  });
