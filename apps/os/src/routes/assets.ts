/** `/assets/app.css` and `/assets/app.js`: the dashboard's stylesheet and its one small script. */
import { Hono } from "hono";
import { APP_JS } from "../ui/client-script.ts";
import { APP_CSS } from "../ui/styles.ts";

const CACHE = "public, max-age=3600";

/** Mounted at `/assets`. */
export const assetRoutes = new Hono()
  .get("/app.css", (c) =>
    c.body(APP_CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": CACHE }),
  )
  .get("/app.js", (c) =>
    c.body(APP_JS, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": CACHE,
    }),
  );
