/**
 * The one Hono env type of the platform worker (STYLE.md 4).
 *
 * `Env` comes from `wrangler types` (wrangler.toml `[vars]`, bindings, and `[secrets] required`).
 * Secrets are added here by hand (wrangler.toml says why): `ENCRYPTION_KEY`, and the optional
 * `ENCRYPTION_KEY_PREVIOUS` (set only during a key rotation), `LOCAL_SANDBOX_SECRET` (the shared
 * secret of packages/local-sandbox, `MACHINE_PROVIDER=local`) and `DAYTONA_API_KEY`
 * (`MACHINE_PROVIDER=daytona`).
 * Each middleware declares the context variables it sets in its own file.
 */
import type { PrincipalVariables } from "./middleware/api-auth.ts";
import type { CsrfVariables } from "./middleware/csrf.ts";
import type { FlashVariables } from "./middleware/flash.ts";
import type { InstanceVariables } from "./middleware/instance-access.ts";
import type { SessionVariables } from "./middleware/session.ts";

/** The worker's bindings: generated `Env` plus optional secrets. */
export type Bindings = Env & {
  ENCRYPTION_KEY: string;
  ENCRYPTION_KEY_PREVIOUS?: string;
  LOCAL_SANDBOX_SECRET?: string;
  DAYTONA_API_KEY?: string;
};

export type AppEnv = {
  Bindings: Bindings;
  Variables: SessionVariables &
    PrincipalVariables &
    InstanceVariables &
    CsrfVariables &
    FlashVariables;
};
