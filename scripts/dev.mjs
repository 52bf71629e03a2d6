#!/usr/bin/env node
// `pnpm dev`: everything the product needs locally, from nothing but Node and the registry.
// - writes .dev.vars with a fresh ENCRYPTION_KEY, PASSWORD_PEPPER and LOCAL_SANDBOX_SECRET on
//   first run (existing keys are kept; missing ones are added)
// - builds the daemon bundle when its sources changed, applies the D1 migrations locally
// - starts local-sandbox (:8788; machines are daemon processes under .iterate-local/) and the
//   platform worker (wrangler dev, :8787, MACHINE_PROVIDER=local)
// - stops every child on Ctrl-C (local-sandbox stops its daemons; they also exit on their own
//   when it dies, through ITERATE_EXIT_WITH_PARENT)
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

const devVars = ensureDevVars(path.join(root, ".dev.vars"), {
  ENCRYPTION_KEY: () => randomBytes(32).toString("base64"),
  PASSWORD_PEPPER: () => randomBytes(32).toString("base64"),
  LOCAL_SANDBOX_SECRET: () => randomBytes(24).toString("base64url"),
});

const build = spawnSync(process.execPath, ["packages/daemon/build.mjs", "--if-stale"], {
  cwd: root,
  stdio: "inherit",
});
if (build.status !== 0) process.exit(build.status ?? 1);

const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local"], {
  cwd: root,
  stdio: "inherit",
  env: { ...env, CI: "true" }, // no interactive confirmation
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const children = [
  spawn(process.execPath, ["packages/local-sandbox/bin/local-sandbox.js"], {
    cwd: root,
    env: { ...env, LOCAL_SANDBOX_PORT: "8788", LOCAL_SANDBOX_SECRET: devVars.LOCAL_SANDBOX_SECRET },
    stdio: "inherit",
  }),
  // Daemons ping 127.0.0.1, not `localhost`: Node may resolve that to ::1, where wrangler is not.
  spawn(
    wrangler,
    ["dev", "--port", "8787", "--ip", "127.0.0.1", "--var", "PLATFORM_URL:http://127.0.0.1:8787"],
    { cwd: root, env, stdio: "inherit" },
  ),
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

/** Adds missing keys to a dotenv file, never touching values already there; returns all values. */
function ensureDevVars(file, defaults) {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const values = Object.fromEntries(
    text
      .split("\n")
      .filter((l) => l.includes("=") && !l.trimStart().startsWith("#"))
      .map((l) => [l.slice(0, l.indexOf("=")).trim(), l.slice(l.indexOf("=") + 1).trim()]),
  );
  const missing = Object.entries(defaults).filter(([k]) => !(k in values));
  if (missing.length === 0) return values;
  const lines = missing.map(([k, make]) => {
    values[k] = make();
    return `${k}=${values[k]}`;
  });
  writeFileSync(file, `${text}${text && !text.endsWith("\n") ? "\n" : ""}${lines.join("\n")}\n`, {
    mode: 0o600,
  });
  console.log(`dev: added ${missing.map(([k]) => k).join(", ")} to .dev.vars`);
  return values;
}
