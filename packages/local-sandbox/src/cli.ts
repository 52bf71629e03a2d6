import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { startLocalSandbox } from "./server.ts";

// Order: args/env (fail fast, one line) → stop leftovers, listen → stop every daemon on the way out.
const USAGE =
  "usage: local-sandbox [--root DIR]   (env: LOCAL_SANDBOX_SECRET required, LOCAL_SANDBOX_PORT default 8788)";
const repoRoot = resolve(import.meta.dirname, "../../..");

function fail(message: string): never {
  console.error(`local-sandbox: ${message}`);
  process.exit(1);
}

const args = (() => {
  try {
    // `--` is skipped: `pnpm start -- --root x` passes it through.
    const argv = process.argv.slice(2).filter((arg) => arg !== "--");
    return parseArgs({ args: argv, options: { root: { type: "string" } }, strict: true }).values;
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
})();
const secret = process.env.LOCAL_SANDBOX_SECRET;
if (!secret) fail("LOCAL_SANDBOX_SECRET is not set (the secret the platform sends as Bearer)");
const port = Number(process.env.LOCAL_SANDBOX_PORT ?? 8788);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  fail(`LOCAL_SANDBOX_PORT is not a port: ${process.env.LOCAL_SANDBOX_PORT}`);
}
const root = resolve(args.root ?? resolve(repoRoot, ".iterate-local"));

const service = await startLocalSandbox({ port, secret, root }).catch(
  (error: NodeJS.ErrnoException) =>
    fail(error.code === "EADDRINUSE" ? `port ${port} is in use` : (error.stack ?? error.message)),
);
console.log(`local-sandbox listening on ${service.url} (root ${root})`);

// Every way out stops the daemons: signals gracefully; any other exit (an uncaught error,
// process.exit) with SIGKILL, as "exit" cannot wait. SIGKILL of this process is covered by
// the daemons themselves: their stdin pipe from here closes and they shut down.
let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  await service.close();
  process.exit(0);
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, shutdown);
process.on("exit", () => service.killAll());
