/** `/assets/*`: the dashboard's stylesheet, its small scripts and the favicon. */
import { Hono } from "hono";
import { AGENTS_JS } from "../ui/agents-script.ts";
import { AGENTS_CSS } from "../ui/agents-styles.ts";
import { APP_JS } from "../ui/client-script.ts";
import { APP_CSS } from "../ui/styles.ts";

const CACHE = "public, max-age=3600";

/** The brand mark: an indigo rounded square with an "i". */
const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#4f46e5"/><circle cx="16" cy="9" r="2.5" fill="#fff"/><rect x="13.5" y="13" width="5" height="12" rx="2" fill="#fff"/></svg>`;

/** Mounted at `/assets`. */
export const assetRoutes = new Hono()
  .get("/app.css", (c) =>
    c.body(APP_CSS + AGENTS_CSS, 200, {
      "content-type": "text/css; charset=utf-8",
      "cache-control": CACHE,
    }),
  )
  .get("/app.js", (c) =>
    c.body(APP_JS, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": CACHE,
    }),
  )
  .get("/agents.js", (c) =>
    c.body(AGENTS_JS, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": CACHE,
    }),
  )
  .get("/favicon.svg", (c) =>
    c.body(FAVICON_SVG, 200, { "content-type": "image/svg+xml", "cache-control": CACHE }),
  );
