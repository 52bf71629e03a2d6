// Applies the drizzle-kit migrations to the test D1 before any test file runs (idempotent).
import { applyD1Migrations, env } from "cloudflare:test";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
