/**
 * The fake Slack's side of the Node/workerd boundary: what `slack-global-setup.ts` hands to the
 * worker config and to tests (`inject("fakeSlack")`), and the shapes its `/__fake/*` routes
 * answer. Types only, so both the Node and the workerd side import it.
 */

/** How to reach the fake Slack (fake-slack.ts) and the OAuth client it accepts. */
export interface FakeSlackContext {
  /** The fake's origin; `GET {url}/__fake/calls` inspects it. */
  url: string;
  /** The Web API base, `{url}/api/` (ends with `/`, as `SLACK_API_URL` must). */
  apiUrl: string;
  /** The authorize page, `{url}/oauth/v2/authorize`. */
  authorizeUrl: string;
  clientId: string;
  clientSecret: string;
}

/** One call as the fake received it. Tokens are recorded in full: the fake is a test's witness. */
export interface RecordedSlackCall {
  /** The Web API method (`chat.postMessage`, `oauth.v2.access`) or `oauth/v2/authorize`. */
  method: string;
  /** The bearer token of `Authorization`, else a `token` body parameter, else null. */
  token: string | null;
  /** The team that token belongs to (null for unknown tokens and OAuth calls). */
  team: string | null;
  contentType: string | null;
  /** Every request header, lower-cased names. */
  headers: Record<string, string>;
  /** The body as UTF-8 text, and exactly, as base64. */
  body: string;
  bodyBase64: string;
  /** The parameters Slack would read (form, JSON or query), for assertions. */
  params: Record<string, unknown>;
  /** What the fake answered with. */
  status: number;
  at: number;
}

/** A message the fake stores (`chat.postMessage`, or seeded through `POST /__fake/messages`). */
export interface FakeSlackMessage {
  type: "message";
  ts: string;
  channel: string;
  text: string;
  user: string;
  bot_id?: string;
  thread_ts?: string;
  blocks?: unknown;
  reactions?: { name: string; users: string[]; count: number }[];
  edited?: { user: string; ts: string };
}

/**
 * `POST /__fake/fail`: the next `times` calls (default 1) of `method` — for `team` only, when
 * given — answer `status` (default 200, or 429 with `retryAfter`) with `{ ok: false, error }`.
 */
export interface FakeSlackFailure {
  method: string;
  team?: string;
  status?: number;
  error?: string;
  /** Seconds; sent as `Retry-After` (status defaults to 429). */
  retryAfter?: number;
  /** Sent as `Location` (with a 3xx `status`): a redirect the platform must not follow. */
  location?: string;
  times?: number;
}

declare module "vitest" {
  export interface ProvidedContext {
    fakeSlack: FakeSlackContext;
  }
}
