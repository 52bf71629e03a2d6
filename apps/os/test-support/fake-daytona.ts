/**
 * A fake Daytona API: a real HTTP server on 127.0.0.1 that `@daytonaio/sdk` 0.218 talks to
 * unchanged, recording every request it got (STYLE.md 15). Each created sandbox runs a REAL
 * daemon (`startDaemon`, by default a child process), and the preview URL of port 3000 is that
 * daemon's own 127.0.0.1 URL — no proxy; the preview token is recorded so tests can check the
 * platform sends `x-daytona-preview-token`.
 *
 * Served under `/api` like app.daytona.io, so the SDK's path handling (`{apiUrl}/sandbox`,
 * `{apiUrl}/socket.io/`) is exercised as in production. The SDK's socket.io event stream is
 * answered 404 (the platform's provider turns the stream off; a default SDK client then polls).
 *
 * Inspection (no auth, outside `/api`): `GET /__fake/requests`, `GET /__fake/sandboxes` — for
 * tests that run in workerd and cannot reach this object — and faults: `POST
 * /__fake/fail-deletes` `{ sandboxId, count }` makes that sandbox's next deletes answer 500,
 * `POST /__fake/fail-gets` `{ sandboxId, count }` its next reads by id answer 404 (the list
 * still shows it), and `POST /__fake/fail-starts` `{ instanceId, count }` puts the instance's
 * next `count` new sandboxes in `error` (their entrypoint "fails") instead of starting a daemon.
 *
 * Listing hides what Daytona hides (apps/api, the sandbox search): destroyed sandboxes, and
 * errored ones only once they are being deleted — a sandbox whose start failed is listed, in
 * state `error`, until someone deletes it.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { INSTANCE_LABEL } from "../src/machines/providers/provider.ts";
import type { FakeSandbox, RecordedRequest } from "./fake-daytona-context.ts";
import { json, problem, readBody, record } from "./fake-daytona-http.ts";
import { type SpawnedDaemon, spawnDaemon } from "./spawn-daemon.ts";

export type { FakeSandbox, RecordedRequest };

/** A daemon a fake sandbox runs; `startDaemon` makes one from the sandbox env. */
export type StartDaemon = (
  env: Record<string, string>,
) => Promise<Pick<SpawnedDaemon, "url" | "stop">>;

/** Options of {@link startFakeDaytona}. */
export interface FakeDaytonaOptions {
  /** The one API key accepted (`Authorization: Bearer <apiKey>`); anything else is 401. */
  apiKey: string;
  /** Snapshot names that exist; creating from another is Daytona's 400. Default `["iterate-daemon"]`. */
  snapshots?: string[];
  /** Snapshots whose sandboxes never finish starting (no daemon): for bounded-wait tests. */
  hangingSnapshots?: string[];
  /** Starts the sandbox's daemon. Default: {@link spawnDaemon} (a real daemon process). */
  startDaemon?: StartDaemon;
  /** Items per page of `GET /sandbox` when the client sends no `limit`. Default 100. */
  pageSize?: number;
}

/** A running fake. */
export interface FakeDaytona {
  /** Origin, e.g. `http://127.0.0.1:41234` (inspection routes live here). */
  url: string;
  /** What to pass as the SDK's `apiUrl`: `${url}/api`. */
  apiUrl: string;
  requests: RecordedRequest[];
  sandboxes: Map<string, FakeSandbox>;
  /** Stops every daemon and the server. */
  close(): Promise<void>;
}

/** The per-sandbox fault routes and the counter each sets. */
const SANDBOX_FAULTS: Record<string, "failDeletes" | "failGets"> = {
  "/__fake/fail-deletes": "failDeletes",
  "/__fake/fail-gets": "failGets",
};

/**
 * @example
 * const daytona = await startFakeDaytona({ apiKey: "dtn_test" });
 * const provider = createDaytonaProvider({ apiKey: "dtn_test", apiUrl: daytona.apiUrl, target: "us", snapshot: "iterate-daemon" });
 * await daytona.close();
 */
export async function startFakeDaytona(options: FakeDaytonaOptions): Promise<FakeDaytona> {
  const hanging = new Set(options.hangingSnapshots ?? []);
  /** Instance id → how many more of its new sandboxes fail to start (`/__fake/fail-starts`). */
  const failingStarts = new Map<string, number>();
  const snapshots = new Set([...(options.snapshots ?? ["iterate-daemon"]), ...hanging]);
  const startDaemon = options.startDaemon ?? ((env: Record<string, string>) => spawnDaemon(env));
  const requests: RecordedRequest[] = [];
  const sandboxes = new Map<string, FakeSandbox>();
  /** Daemon start per sandbox: preview-url waits on it; delete stops what it made. */
  const daemons = new Map<string, Promise<Pick<SpawnedDaemon, "url" | "stop"> | undefined>>();
  let origin = "";

  const dto = (s: FakeSandbox, full = true) => ({
    id: s.id,
    organizationId: "org-fake",
    name: s.id,
    snapshot: s.snapshot,
    user: "daytona",
    ...(full ? { env: s.env } : {}), // list items carry no env, as in Daytona
    labels: s.labels,
    public: s.public,
    networkBlockAll: false,
    target: s.target,
    cpu: 1,
    gpu: 0,
    memory: 1,
    disk: 3,
    state: s.state,
    desiredState: s.state === "destroyed" ? "destroyed" : "started",
    errorReason: s.errorReason,
    autoStopInterval: s.autoStopInterval,
    toolboxProxyUrl: `${origin}/toolbox`, // present, so the SDK does not ask for it
  });

  function create(res: ServerResponse, body: Record<string, unknown>) {
    const snapshot = String(body.snapshot ?? "");
    if (!snapshots.has(snapshot)) {
      // Daytona's own words (apps/api sandbox.service.ts).
      return problem(
        res,
        400,
        `Snapshot ${snapshot} not found. Did you add it through the Daytona Dashboard?`,
      );
    }
    const sandbox: FakeSandbox = {
      id: randomUUID(),
      snapshot,
      labels: { ...(body.labels as Record<string, string>) },
      env: { ...(body.env as Record<string, string>) },
      public: body.public === true,
      target: String(body.target ?? "us"),
      autoStopInterval:
        typeof body.autoStopInterval === "number" ? body.autoStopInterval : undefined,
      state: "starting",
      previewToken: randomBytes(16).toString("hex"),
      createBody: body,
      failDeletes: 0,
    };
    sandboxes.set(sandbox.id, sandbox);
    const instanceId = sandbox.labels[INSTANCE_LABEL] ?? "";
    const failing = failingStarts.get(instanceId) ?? 0;
    if (failing > 0) {
      failingStarts.set(instanceId, failing - 1);
      sandbox.state = "error";
      sandbox.errorReason = "fake: the entrypoint exited with code 1";
      daemons.set(sandbox.id, Promise.resolve(undefined));
      return json(res, 200, dto(sandbox));
    }
    if (hanging.has(snapshot)) {
      daemons.set(sandbox.id, Promise.resolve(undefined));
      return json(res, 200, dto(sandbox));
    }
    // Like Daytona, the entrypoint starts while the answer is still `starting`.
    daemons.set(
      sandbox.id,
      startDaemon(sandbox.env).then(
        async (daemon) => {
          if (sandbox.state === "destroyed") return void (await daemon.stop());
          sandbox.daemonUrl = daemon.url;
          sandbox.state = "started";
          return daemon;
        },
        (error: unknown) => {
          sandbox.state = "error";
          sandbox.errorReason = `the entrypoint failed: ${(error as Error).message}`;
          return undefined;
        },
      ),
    );
    json(res, 200, dto(sandbox));
  }

  function list(res: ServerResponse, query: URLSearchParams) {
    const labels = JSON.parse(query.get("labels") ?? "{}") as Record<string, string>;
    const idPrefix = (query.get("id") ?? "").toLowerCase();
    const includeGone = query.get("includeErroredDeleted") === "true";
    // The fake deletes at once (`destroyed`), so "errored and being deleted" is never listed:
    // only `includeErroredDeleted` shows destroyed ones.
    const matching = [...sandboxes.values()].filter(
      (s) =>
        (includeGone || s.state !== "destroyed") &&
        s.id.toLowerCase().startsWith(idPrefix) &&
        Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
    const start = Number(query.get("cursor") ?? 0);
    const limit = Number(query.get("limit") ?? options.pageSize ?? 100);
    const page = matching.slice(start, start + limit);
    const next = start + limit < matching.length ? String(start + limit) : null;
    json(res, 200, { items: page.map((s) => dto(s, false)), nextCursor: next });
  }

  /** Idempotency is the client's job: a destroyed sandbox is Daytona's 404. */
  async function remove(res: ServerResponse, sandbox: FakeSandbox) {
    if (sandbox.state === "destroyed") return notFound(res, sandbox.id);
    if (sandbox.failDeletes > 0) {
      sandbox.failDeletes--;
      return problem(res, 500, "fake: the sandbox could not be deleted right now");
    }
    sandbox.state = "destroyed";
    const daemon = await daemons.get(sandbox.id);
    await daemon?.stop();
    json(res, 200, dto(sandbox));
  }

  async function preview(res: ServerResponse, sandbox: FakeSandbox, port: string) {
    if (port !== "3000") return problem(res, 400, "The fake serves only the daemon's port 3000");
    const daemon = await daemons.get(sandbox.id);
    if (!daemon) return problem(res, 400, `Sandbox ${sandbox.id} is not running`);
    json(res, 200, { sandboxId: sandbox.id, url: daemon.url, token: sandbox.previewToken });
  }

  const notFound = (res: ServerResponse, id: string) =>
    problem(res, 404, `Sandbox with ID or name ${id} not found`);

  async function route(req: IncomingMessage, res: ServerResponse) {
    const body = await readBody(req);
    requests.push(record(req, body));
    const url = new URL(req.url ?? "/", origin);
    const method = req.method ?? "GET";
    const path = url.pathname.replace(/\/+$/, "");

    if (path === "/__fake/requests") return json(res, 200, requests);
    if (path === "/__fake/sandboxes") return json(res, 200, [...sandboxes.values()]);
    const sandboxFault = SANDBOX_FAULTS[path];
    if (sandboxFault && method === "POST") {
      // `{ sandboxId, count }`: that sandbox's next `count` deletes answer 500, or reads by id
      // 404 while the list still shows it (per sandbox: parallel-safe).
      const { sandboxId, count } = (body ?? {}) as { sandboxId?: string; count?: number };
      const target = sandboxes.get(String(sandboxId));
      if (!target) return notFound(res, String(sandboxId));
      target[sandboxFault] = Number(count ?? 1);
      return json(res, 200, { ok: true });
    }
    if (path === "/__fake/fail-starts" && method === "POST") {
      // `{ instanceId, count }`: keyed by instance, so parallel test files do not interfere.
      const { instanceId, count } = (body ?? {}) as { instanceId?: string; count?: number };
      failingStarts.set(String(instanceId), Number(count ?? 1));
      return json(res, 200, { ok: true });
    }
    if (path.startsWith("/api/socket.io")) return problem(res, 404, "Not Found");
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return problem(res, 401, "Invalid API key");
    }

    if (path === "/api/sandbox") {
      if (method === "POST") return create(res, (body ?? {}) as Record<string, unknown>);
      if (method === "GET") return list(res, url.searchParams);
    }
    const [, id, rest = ""] = /^\/api\/sandbox\/([^/]+)(\/.*)?$/.exec(path) ?? [];
    if (id !== undefined) {
      const sandbox = sandboxes.get(decodeURIComponent(id));
      if (!sandbox) return notFound(res, id);
      if (rest === "" && method === "GET") {
        if ((sandbox.failGets ?? 0) > 0) {
          sandbox.failGets = (sandbox.failGets ?? 0) - 1;
          return notFound(res, id);
        }
        return json(res, 200, dto(sandbox));
      }
      if (rest === "" && method === "DELETE") return remove(res, sandbox);
      const port = /^\/ports\/(\d+)\/preview-url$/.exec(rest)?.[1];
      if (port && method === "GET") return preview(res, sandbox, port);
    }
    problem(res, 404, `Cannot ${method} ${url.pathname}`);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (!res.headersSent) problem(res, 500, (error as Error).message);
    });
  });
  // socket.io opens a WebSocket (an HTTP upgrade); refuse it like a missing route.
  server.on("upgrade", (req: IncomingMessage, socket) => {
    requests.push(record(req, null));
    socket.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    apiUrl: `${origin}/api`,
    requests,
    sandboxes,
    async close() {
      const started = await Promise.all(daemons.values());
      await Promise.all(started.map((daemon) => daemon?.stop()));
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
