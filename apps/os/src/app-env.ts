/** The one Hono env type of the platform worker (STYLE.md 4). `Env` comes from `wrangler types`. */
export type AppEnv = {
  Bindings: Env;
  Variables: Record<string, never>;
};
