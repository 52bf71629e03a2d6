/**
 * Agent session paths as the platform accepts them from a browser. A session is a stream on the
 * machine (`/agents/<path>`), and the path ends up inside a signed request to the daemon, so it is
 * checked against the two shapes sessions have — nothing else is ever forwarded:
 *
 * - `slack/<team>/<channel>/<thread_ts>` — a Slack thread (ids and ts as the contract's Slack
 *   schemas allow them, so exactly the names the Slack edge can create);
 * - `web/<id>` — a session started from the dashboard (`ses_…`).
 *
 * No `%`, no `.`/`..` segments, no empty segments, no backslashes: a path that decodes to
 * something else, or that URL parsing would rewrite, cannot match. (fetchForInstance refuses dot
 * segments too; this is the first line, that the second.)
 */

const SLACK_ID = "[A-Za-z0-9][A-Za-z0-9_-]{0,63}";
const SLACK_TS = "\\d{1,12}\\.\\d{1,9}";
const SESSION_PATH = new RegExp(
  `^(?:slack/${SLACK_ID}/${SLACK_ID}/${SLACK_TS}|web/[A-Za-z0-9][A-Za-z0-9_-]{0,127})$`,
);

/** A stream offset the dashboard may resume from: `-1` (the start) or the daemon's own format. */
const OFFSET = /^(?:-1|\d{16}_\d{16})$/;

/**
 * The session path, or null when `raw` (already URL-decoded once, as route params are) is not
 * exactly one of the two shapes.
 *
 * @example
 * parseSessionPath("slack/T1/C1/1712345678.000100"); // "slack/T1/C1/1712345678.000100"
 * parseSessionPath("web/../platform/env"); // null
 */
export function parseSessionPath(raw: string | undefined | null): string | null {
  return typeof raw === "string" && SESSION_PATH.test(raw) ? raw : null;
}

/**
 * The offset to resume a stream from, or null when it is not one (absent means the start).
 * @example parseStreamOffset(undefined); // "-1"
 */
export function parseStreamOffset(raw: string | undefined): string | null {
  if (raw === undefined || raw === "") return "-1";
  return OFFSET.test(raw) ? raw : null;
}

/**
 * The dashboard URL of a session: the path URL-encoded as one segment — exactly what the
 * daemon's Slack "View session" link points at (packages/daemon/src/agent/slack/session-link.ts).
 *
 * @example sessionPageUrl("ins_1", "slack/T1/C1/1.2"); // "/instances/ins_1/agents/slack%2FT1%2FC1%2F1.2"
 */
export function sessionPageUrl(instanceId: string, path: string): string {
  return `/instances/${encodeURIComponent(instanceId)}/agents/${encodeURIComponent(path)}`;
}

/** Where a session came from, from its path. */
export function sessionSource(path: string): "slack" | "web" {
  return path.startsWith("web/") ? "web" : "slack";
}
