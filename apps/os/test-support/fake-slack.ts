/**
 * A fake Slack: a real HTTP server on 127.0.0.1 that the platform's OAuth code, its Slack proxy
 * and `@slack/web-api`'s `WebClient` talk to unchanged, recording every call (STYLE.md 15).
 *
 * - `GET /oauth/v2/authorize?client_id&scope&redirect_uri&state[&team&team_name]` — no consent
 *   screen: 302 straight back to `redirect_uri` with a fresh code and the given `state` (so a
 *   browser can "connect"). `team` picks the workspace (Slack's own preselect parameter; default
 *   `T0FAKE`); `deny=1` sends `error=access_denied` instead, as when someone clicks Cancel.
 * - `POST /api/oauth.v2.access` — a code it issued (once, 10 minutes, same `redirect_uri`, right
 *   client id and secret) → `{ ok: true, access_token: "xoxb-…", bot_user_id, team, … }`; anything
 *   else Slack's `ok: false` (`invalid_code`, `bad_redirect_uri`, `invalid_client_id`, …).
 * - `POST /api/<method>` — the Web API methods of fake-slack-methods.ts, for a bot token it issued
 *   (`Authorization: Bearer` or a `token` parameter; else `not_authed` / `invalid_auth`).
 *
 * Test-facing (no auth): `GET /__fake/calls?method&team&token`, `POST /__fake/fail`
 * ({@link FakeSlackFailure}: make a method answer 429 `Retry-After` or `ok: false`),
 * `POST /__fake/messages` (seed a user's message), `GET /__fake/messages?team&channel`.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type {
  FakeSlackContext,
  FakeSlackFailure,
  RecordedSlackCall,
} from "./fake-slack-context.ts";
import { paramsOf, readBody, send } from "./fake-slack-http.ts";
import { addMessage, type FakeTeam, runMethod } from "./fake-slack-methods.ts";

export type { FakeSlackContext, FakeSlackFailure, RecordedSlackCall };

/** The workspace an authorize without `team` installs into. */
export const DEFAULT_FAKE_TEAM = { id: "T0FAKE", name: "Fake Workspace" };

/** Options of {@link startFakeSlack}. */
export interface FakeSlackOptions {
  clientId: string;
  clientSecret: string;
}

/** A running fake. */
export interface FakeSlack extends FakeSlackContext {
  calls: RecordedSlackCall[];
  teams: Map<string, FakeTeam>;
  close(): Promise<void>;
}

const CODE_TTL_MS = 10 * 60 * 1000;
const SCOPES =
  "app_mentions:read,chat:write,reactions:write,channels:history,groups:history,im:history,mpim:history,users:read";

const id = (prefix: string) => `${prefix}${randomBytes(5).toString("hex").toUpperCase()}`;

/**
 * @example
 * const slack = await startFakeSlack({ clientId: "1.2", clientSecret: "s" });
 * // SLACK_API_URL = slack.apiUrl, SLACK_AUTHORIZE_URL = slack.authorizeUrl
 * await slack.close();
 */
export async function startFakeSlack(options: FakeSlackOptions): Promise<FakeSlack> {
  const calls: RecordedSlackCall[] = [];
  const teams = new Map<string, FakeTeam>();
  const teamByToken = new Map<string, FakeTeam>();
  const codes = new Map<
    string,
    { team: string; teamName: string; redirectUri: string; expiresAt: number; used: boolean }
  >();
  const failures: (FakeSlackFailure & { remaining: number })[] = [];

  function teamFor(teamId: string, name: string): FakeTeam {
    let team = teams.get(teamId);
    if (!team) {
      team = {
        id: teamId,
        name,
        botToken: `xoxb-${teamId}-${randomBytes(12).toString("hex")}`,
        botUserId: id("U"),
        botId: id("B"),
        channels: new Map(),
      };
      teams.set(teamId, team);
      teamByToken.set(team.botToken, team);
    }
    return team;
  }

  function authorize(url: URL, res: ServerResponse) {
    const q = url.searchParams;
    const redirectUri = q.get("redirect_uri");
    if (q.get("client_id") !== options.clientId || !redirectUri) {
      res.writeHead(400, { "content-type": "text/plain" }).end("invalid_client_id or redirect_uri");
      return 400;
    }
    const back = new URL(redirectUri);
    if (q.get("state") !== null) back.searchParams.set("state", q.get("state") as string);
    if (q.get("deny") === "1") {
      back.searchParams.set("error", "access_denied");
    } else {
      const code = `${Date.now()}.${randomBytes(16).toString("hex")}`;
      codes.set(code, {
        team: q.get("team") ?? DEFAULT_FAKE_TEAM.id,
        teamName:
          q.get("team_name") ?? (q.get("team") ? `Team ${q.get("team")}` : DEFAULT_FAKE_TEAM.name),
        redirectUri,
        expiresAt: Date.now() + CODE_TTL_MS,
        used: false,
      });
      back.searchParams.set("code", code);
    }
    res.writeHead(302, { location: back.href }).end();
    return 302;
  }

  function oauthAccess(req: IncomingMessage, params: Record<string, unknown>) {
    // Slack takes the client credentials as parameters or as HTTP Basic auth.
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const [basicId, basicSecret] = basic ? Buffer.from(basic, "base64").toString().split(":") : [];
    const clientId = params.client_id ?? basicId;
    const clientSecret = params.client_secret ?? basicSecret;
    if (clientId !== options.clientId) return { ok: false, error: "invalid_client_id" };
    if (clientSecret !== options.clientSecret) return { ok: false, error: "bad_client_secret" };
    const code = codes.get(String(params.code ?? ""));
    if (!code || code.used || code.expiresAt < Date.now())
      return { ok: false, error: "invalid_code" };
    if (params.redirect_uri !== code.redirectUri) return { ok: false, error: "bad_redirect_uri" };
    code.used = true;
    const team = teamFor(code.team, code.teamName);
    return {
      ok: true,
      app_id: "A0FAKEAPP",
      authed_user: { id: id("U") },
      scope: SCOPES,
      token_type: "bot",
      access_token: team.botToken,
      bot_user_id: team.botUserId,
      team: { id: team.id, name: team.name },
      enterprise: null,
      is_enterprise_install: false,
    };
  }

  function injectedFailure(method: string, team: FakeTeam | undefined) {
    const failure = failures.find(
      (f) => f.remaining > 0 && f.method === method && (!f.team || f.team === team?.id),
    );
    if (failure) failure.remaining -= 1;
    return failure;
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL) {
    const method = url.pathname.slice("/api/".length);
    const body = await readBody(req);
    const contentType = req.headers["content-type"] ?? "";
    const params = paramsOf(url, contentType, body);
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const token = bearer ?? (typeof params.token === "string" ? params.token : null);
    const team = token ? teamByToken.get(token) : undefined;
    const call: RecordedSlackCall = {
      method,
      token,
      team: team?.id ?? null,
      contentType: contentType || null,
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [
          k,
          Array.isArray(v) ? v.join(", ") : String(v),
        ]),
      ),
      body: body.toString("utf8"),
      bodyBase64: body.toString("base64"),
      params,
      status: 200,
      at: Date.now(),
    };
    calls.push(call);
    const answer = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      send(res, status, json, { "x-slack-req-id": id("req"), ...headers });
    };

    if (method === "oauth.v2.access") return answer(200, oauthAccess(req, params));
    const failure = injectedFailure(method, team);
    if (method === "auth.revoke" && team && !failure) {
      // The token stops working; a later install of the team gets a fresh one.
      teamByToken.delete(team.botToken);
      team.botToken = `xoxb-${team.id}-${randomBytes(12).toString("hex")}`;
      teamByToken.set(team.botToken, team);
      return answer(200, { ok: true, revoked: true });
    }
    if (failure) {
      const status = failure.status ?? (failure.retryAfter !== undefined ? 429 : 200);
      const headers: Record<string, string> = {
        ...(failure.retryAfter !== undefined && { "retry-after": String(failure.retryAfter) }),
        ...(failure.location !== undefined && { location: failure.location }),
      };
      return answer(
        status,
        { ok: false, error: failure.error ?? (status === 429 ? "ratelimited" : "fatal_error") },
        headers,
      );
    }
    if (!token) return answer(200, { ok: false, error: "not_authed" });
    if (!team) return answer(200, { ok: false, error: "invalid_auth" });
    const result = runMethod(method, team, params);
    return answer(result.status, result.body, { "x-oauth-scopes": SCOPES });
  }

  async function fake(req: IncomingMessage, res: ServerResponse, url: URL) {
    const q = url.searchParams;
    if (req.method === "GET" && url.pathname === "/__fake/calls") {
      const match = calls.filter(
        (c) =>
          (!q.get("method") || c.method === q.get("method")) &&
          (!q.get("team") || c.team === q.get("team")) &&
          (!q.get("token") || c.token === q.get("token")),
      );
      return send(res, 200, { calls: match });
    }
    if (req.method === "POST" && url.pathname === "/__fake/fail") {
      const failure = JSON.parse((await readBody(req)).toString()) as FakeSlackFailure;
      failures.push({ ...failure, remaining: failure.times ?? 1 });
      return send(res, 200, { ok: true });
    }
    if (url.pathname === "/__fake/messages") {
      if (req.method === "POST") {
        const input = JSON.parse((await readBody(req)).toString()) as {
          team: string;
          channel: string;
          user: string;
          text: string;
          thread_ts?: string;
        };
        const message = addMessage(teamFor(input.team, `Team ${input.team}`), input);
        return send(res, 200, { ok: true, message });
      }
      const team = teams.get(q.get("team") ?? "");
      const messages = team ? (team.channels.get(q.get("channel") ?? "") ?? []) : [];
      return send(res, 200, { messages });
    }
    return send(res, 404, { ok: false, error: "unknown_fake_route" });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const handle = async () => {
      if (req.method === "GET" && url.pathname === "/oauth/v2/authorize") {
        const status = authorize(url, res);
        calls.push({
          method: "oauth/v2/authorize",
          token: null,
          team: null,
          contentType: null,
          headers: {},
          body: "",
          bodyBase64: "",
          params: Object.fromEntries(url.searchParams),
          status,
          at: Date.now(),
        });
        return;
      }
      if (req.method === "POST" && url.pathname.startsWith("/api/")) return api(req, res, url);
      if (url.pathname.startsWith("/__fake/")) return fake(req, res, url);
      send(res, 404, { ok: false, error: "unknown_method" });
    };
    handle().catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { ok: false, error: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    apiUrl: `${origin}/api/`,
    authorizeUrl: `${origin}/oauth/v2/authorize`,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    calls,
    teams,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
