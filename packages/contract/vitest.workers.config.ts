import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// The same test files, run inside workerd: the contract must behave identically in both runtimes.
export default defineConfig({
  plugins: [
    cloudflareTest({
      miniflare: { compatibilityDate: "2026-04-20", compatibilityFlags: ["nodejs_compat"] },
    }),
  ],
  test: { name: "contract (workerd)", include: ["test/**/*.test.ts"] },
});
