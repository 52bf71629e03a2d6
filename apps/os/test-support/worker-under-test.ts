/**
 * What both workerd test projects (vitest.config.ts, vitest.daytona.config.ts) run: the real
 * worker from wrangler.toml with its D1 migrations and fixed test secrets, plus the bindings a
 * project adds (its provider, the fakes' URLs).
 */
import path from "node:path";
import { readD1Migrations } from "@cloudflare/vitest-pool-workers";

const root = path.resolve(import.meta.dirname, "../../..");

/** A fixed test key (base64 of 32 bytes); real keys come from .dev.vars or `wrangler secret put`. */
const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString("base64");
/** A fixed test pepper (auth/password.ts); real ones come from .dev.vars or `wrangler secret put`. */
const TEST_PASSWORD_PEPPER = Buffer.alloc(32, 9).toString("base64");

/**
 * @example cloudflareTest(async ({ inject }) => workerUnderTest({ MACHINE_PROVIDER: "local", … }))
 */
export async function workerUnderTest(bindings: Record<string, string>) {
  return {
    main: path.join(root, "apps/os/src/worker.ts"),
    wrangler: { configPath: path.join(root, "wrangler.toml") },
    miniflare: {
      bindings: {
        TEST_MIGRATIONS: await readD1Migrations(path.join(root, "drizzle")),
        ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        PASSWORD_PEPPER: TEST_PASSWORD_PEPPER,
        ...bindings,
      },
    },
  };
}
