#!/usr/bin/env node
// Runs the bundle (dist/iterate-daemon.mjs, made by build.mjs), never the TypeScript sources:
// the daemon ships as that one file. `pnpm --filter @iterate/daemon start` rebuilds it when stale.
import { existsSync } from "node:fs";

const bundle = new URL("../dist/iterate-daemon.mjs", import.meta.url);
if (!existsSync(bundle)) {
  console.error("iterate-daemon: no bundle yet; run `pnpm --filter @iterate/daemon build`");
  process.exit(1);
}
await import(bundle.href);
