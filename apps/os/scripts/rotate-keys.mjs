#!/usr/bin/env node
// `pnpm --filter @iterate/os rotate-keys -- --url https://os.example.com` (ADMIN_TOKEN in the env):
// completes a key rotation by driving the platform's POST /api/admin/rotate-keys until every
// envelope is sealed under the current ENCRYPTION_KEY (docs/deploy.md, "Key rotation"). The worker
// does the work — it holds the keys; this only loops over the cursor and reports.
// Exit code: 0 when every envelope is under the current key, 1 when some could not be opened (they
// are listed; keep ENCRYPTION_KEY_PREVIOUS until they are dealt with), 2 on a usage or HTTP error.
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { url: { type: "string" }, help: { type: "boolean", short: "h" } },
});
const token = process.env.ADMIN_TOKEN;
if (values.help || !values.url || !token) {
  console.error(
    "usage: ADMIN_TOKEN=… pnpm --filter @iterate/os rotate-keys -- --url <platform URL>",
  );
  process.exit(values.help ? 0 : 2);
}

const endpoint = new URL("/api/admin/rotate-keys", values.url);
let cursor = null;
let resealed = 0;
let keyId = "";
const failed = [];
do {
  const res = await fetch(endpoint, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ cursor }),
    redirect: "error",
  });
  if (!res.ok) {
    console.error(`rotate-keys: ${endpoint} answered ${res.status}: ${await res.text()}`);
    process.exit(2);
  }
  const report = await res.json();
  keyId = report.keyId;
  resealed += report.resealed;
  failed.push(...report.failed);
  cursor = report.cursor;
} while (cursor);

console.log(`rotate-keys: ${resealed} envelope(s) re-sealed under key ${keyId}`);
if (failed.length > 0) {
  console.error(
    `rotate-keys: ${failed.length} envelope(s) could not be opened; keep ENCRYPTION_KEY_PREVIOUS:`,
  );
  for (const f of failed) console.error(`  ${f.column} ${f.row}: ${f.reason}`);
  process.exit(1);
}
console.log(
  "rotate-keys: every envelope is under the current key; ENCRYPTION_KEY_PREVIOUS can be removed",
);
