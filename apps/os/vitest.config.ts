import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../..");

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      main: path.join(root, "apps/os/src/worker.ts"),
      wrangler: { configPath: path.join(root, "wrangler.toml") },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(path.join(root, "drizzle")),
        },
      },
    })),
  ],
  test: { name: "os (workerd)", include: ["test/**/*.test.ts"] },
});
