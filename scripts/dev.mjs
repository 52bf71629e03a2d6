#!/usr/bin/env node
// `pnpm dev`: everything the product needs locally, from nothing but Node and the registry.
// - writes .dev.vars with a fresh ENCRYPTION_KEY on first run (existing keys are kept)
// - applies the D1 migrations to the local database
// - starts the platform worker (wrangler dev, :8787)
// - stops every child on Ctrl-C
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const wrangler = path.join(root, "node_modules/.bin/wrangler");
// Works offline: without this, wrangler dev fetches the `Request.cf` placeholder from the internet
// at every start (and prints a stack trace when it cannot). Set it to "true" to get real values.
const env = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
};

ensureDevVars(path.join(root, ".dev.vars"), {
  ENCRYPTION_KEY: () => randomBytes(32).toString("base64"),
});

const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local"], {
  cwd: root,
  stdio: "inherit",
  env: { ...env, CI: "true" }, // no interactive confirmation
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const children = [
  spawn(wrangler, ["dev", "--port", "8787", "--ip", "127.0.0.1"], {
    cwd: root,
    env,
    stdio: "inherit",
  }),
];

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(
    children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.once("exit", r)))),
  ).then(() => process.exit(code));
}
for (const child of children) child.once("exit", (code) => stop(code ?? 0));
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

/** Adds missing keys to a dotenv file, never touching values already there. */
function ensureDevVars(file, defaults) {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const present = new Set(text.split("\n").map((l) => l.split("=")[0]?.trim()));
  const missing = Object.entries(defaults).filter(([k]) => !present.has(k));
  if (missing.length === 0) return;
  const lines = missing.map(([k, make]) => `${k}=${make()}`);
  writeFileSync(file, `${text}${text && !text.endsWith("\n") ? "\n" : ""}${lines.join("\n")}\n`, {
    mode: 0o600,
  });
  console.log(`dev: added ${missing.map(([k]) => k).join(", ")} to .dev.vars`);
}
