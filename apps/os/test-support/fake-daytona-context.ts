/**
 * The fake Daytona's side of the Node/workerd boundary: what globalSetup hands to tests
 * (`inject("fakeDaytona")`) and to the vitest config, and the shapes its inspection routes
 * answer. Types only, so both the Node and the workerd side import it.
 */

/** How to reach the fake Daytona started by `daytona-global-setup.ts`. */
export interface FakeDaytonaContext {
  /** The fake's origin; `GET {url}/__fake/requests` and `/__fake/sandboxes` inspect it. */
  url: string;
  /** The SDK's `apiUrl` (`{url}/api`). */
  apiUrl: string;
  /** The API key the fake accepts. */
  apiKey: string;
  /** A target the tests pass (recorded as `target`). */
  target: string;
  /** The snapshot whose sandboxes run a daemon. */
  snapshot: string;
  /** A snapshot whose sandboxes stay `starting` forever (no daemon). */
  hangingSnapshot: string;
}

/** One request as the fake received it. Headers are recorded fully, secrets included. */
export interface RecordedRequest {
  method: string;
  /** Path and query as sent, e.g. `/api/sandbox?labels=%7B...%7D`. */
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON body, the raw text when not JSON, or null when empty. */
  body: unknown;
}

/** A sandbox the fake made, with what it was created with. */
export interface FakeSandbox {
  id: string;
  snapshot: string;
  /** Labels as Daytona stores them (the SDK adds `code-toolbox-language`). */
  labels: Record<string, string>;
  /** The sandbox env (sent by the SDK as `env`). Secret in production. */
  env: Record<string, string>;
  public: boolean;
  target: string;
  autoStopInterval: number | undefined;
  /** Daytona's state: `starting` until the daemon listens, then `started`; `destroyed` after delete. */
  state: "starting" | "started" | "error" | "destroyed";
  errorReason?: string;
  /** The `token` of port 3000's preview link. */
  previewToken: string;
  /** The daemon's URL once it listens. */
  daemonUrl?: string;
  /** The whole create body, for assertions on keys the fake does not model. */
  createBody: Record<string, unknown>;
  /** How many more `DELETE`s of it answer 500 (`POST /__fake/fail-deletes`). */
  failDeletes: number;
  /** How many more reads of it by id answer 404 (`POST /__fake/fail-gets`). */
  failGets?: number;
}

declare module "vitest" {
  export interface ProvidedContext {
    fakeDaytona: FakeDaytonaContext;
  }
}
