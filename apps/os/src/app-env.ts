/**
 * The one Hono env type of the platform worker (STYLE.md 4).
 *
 * `Env` comes from `wrangler types` (wrangler.toml `[vars]` and bindings).
 * Secrets are typed by hand in secrets.d.ts, on top of the generated `Env` (wrangler.toml says why).
 * Each middleware declares the context variables it sets in its own file.
 */
import type { PrincipalVariables } from "./middleware/api-auth.ts";
import type { CsrfVariables } from "./middleware/csrf.ts";
import type { FlashVariables } from "./middleware/flash.ts";
import type { InstanceVariables } from "./middleware/instance-access.ts";
import type { MachineAuthVariables } from "./middleware/machine-auth.ts";
import type { SessionVariables } from "./middleware/session.ts";

/** The worker's bindings: generated `Env` plus the secrets of secrets.d.ts. */
export type Bindings = Env;

export type AppEnv = {
  Bindings: Bindings;
  Variables: SessionVariables &
    PrincipalVariables &
    InstanceVariables &
    MachineAuthVariables &
    CsrfVariables &
    FlashVariables;
};
