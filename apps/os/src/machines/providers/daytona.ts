/**
 * The `daytona` provider (production): sandboxes from a snapshot whose entrypoint runs the
 * daemon, through `@daytonaio/sdk` (STYLE.md 16). The platform reaches the daemon at port
 * 3000's preview link, carrying its token in {@link PREVIEW_TOKEN_HEADER}; sandboxes are never
 * public.
 *
 * Runs in workerd (`nodejs_compat`): the SDK's HTTP goes through axios' fetch adapter there (the
 * SDK already sets the `cache: "no-store"` workerd wants); its event socket is switched off (see
 * `call`).
 */
import {
  Daytona,
  DaytonaError,
  DaytonaNotFoundError,
  type Sandbox as DaytonaSandbox,
  type SandboxState as DaytonaState,
} from "@daytonaio/sdk";
import {
  MACHINE_LABEL,
  type MachineProvider,
  ProviderError,
  type Sandbox,
  type SandboxState,
  sandboxLabels,
} from "./provider.ts";

/** The header Daytona's preview proxy wants on every request to a non-public sandbox port. */
export const PREVIEW_TOKEN_HEADER = "x-daytona-preview-token";
/** The port the daemon listens on inside the sandbox (its `PORT` default). */
export const DAEMON_PORT = 3000;

/** Options of {@link createDaytonaProvider}. Passed explicitly: the SDK reads no env in Workers. */
export interface DaytonaProviderOptions {
  /** `DAYTONA_API_KEY`. Secret: never logged, never in an error. */
  apiKey: string;
  /** `DAYTONA_API_URL`, e.g. `https://app.daytona.io/api`. */
  apiUrl: string;
  /** `DAYTONA_TARGET` (region), e.g. `us`. */
  target: string;
  /** `DAYTONA_SNAPSHOT`: the snapshot whose entrypoint runs `iterate-daemon`. */
  snapshot: string;
  /** How long `create` waits for the sandbox to reach `started` (the SDK polls). Default 120 s. */
  createTimeoutSeconds?: number;
  /** Cap on any single HTTP request to Daytona. Default 30 s (the SDK's own is 24 h). */
  requestTimeoutMs?: number;
}

/** Daytona's states, as the platform sees them. Exhaustive over the SDK's enum. */
const STATES: Record<`${DaytonaState}`, SandboxState> = {
  started: "running",
  creating: "starting",
  restoring: "starting",
  starting: "starting",
  pending_build: "starting",
  building_snapshot: "starting",
  pulling_snapshot: "starting",
  resuming: "starting",
  resizing: "starting",
  snapshotting: "starting",
  forking: "starting",
  unknown: "starting",
  "11184809": "starting", // the generated client's "unknown enum value"
  stopping: "stopped",
  stopped: "stopped",
  pausing: "stopped",
  paused: "stopped",
  archiving: "stopped",
  archived: "stopped",
  error: "failed",
  build_failed: "failed",
  destroying: "missing",
  destroyed: "missing",
};

/** The platform's view of a Daytona sandbox's state (an unknown one reads as starting). */
const stateOf = (sandbox: DaytonaSandbox): SandboxState =>
  STATES[(sandbox.state ?? "unknown") as DaytonaState] ?? "starting";

/**
 * Deletes a sandbox, idempotently: one that is gone or going (`destroying`, `destroyed`) or
 * unknown (404, e.g. deleted by a concurrent cleanup) is done.
 */
async function remove(sandbox: DaytonaSandbox): Promise<void> {
  if (stateOf(sandbox) === "missing") return;
  try {
    await sandbox.delete();
  } catch (error) {
    if (!(error instanceof DaytonaNotFoundError)) throw error;
  }
}

/**
 * @example
 * const provider = createDaytonaProvider({ apiKey, apiUrl: "https://app.daytona.io/api", target: "us", snapshot: "iterate-daemon" });
 * const sandbox = (await provider.find(machineId)) ?? (await provider.create({ machineId, instanceId, env }));
 * await fetch(`${sandbox.daemonUrl}/healthz`, { headers: sandbox.headers });
 */
export function createDaytonaProvider(options: DaytonaProviderOptions): MachineProvider {
  const createTimeout = options.createTimeoutSeconds ?? 120;

  let client: Daytona | undefined;

  /** Runs `fn` with the SDK client, turning whatever it throws into a {@link ProviderError}. */
  async function call<T>(action: string, secrets: string[], fn: (daytona: Daytona) => Promise<T>) {
    try {
      client ??= new Daytona({
        apiKey: options.apiKey,
        apiUrl: options.apiUrl,
        target: options.target,
        requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
        // No socket.io event stream (the SDK's polling mode): `create` waits for `started` by
        // polling `GET /sandbox/{id}` every 100 ms for 5 s, then backing off to 1 s. The stream
        // only ever sped up that wait, and in workerd it costs: a WebSocket is an I/O object bound to the request that opened it (this client
        // may serve several requests or Workflow steps), engine.io's handlers trip workerd
        // warnings, and a socket closed mid-handshake logs an exception.
        useDeprecatedPolling: true,
      });
      return await fn(client);
    } catch (error) {
      throw toProviderError(action, error, [options.apiKey, ...secrets]);
    }
  }

  async function toSandbox(sandbox: DaytonaSandbox): Promise<Sandbox> {
    const link = await sandbox.getPreviewLink(DAEMON_PORT);
    return {
      externalId: sandbox.id,
      daemonUrl: link.url.replace(/\/+$/, ""),
      headers: { [PREVIEW_TOKEN_HEADER]: link.token },
    };
  }

  return {
    name: "daytona",

    find(machineId) {
      return call("look up the machine's sandbox", [], async (daytona) => {
        // Paged by the SDK (`nextCursor`); the first live sandbox with the label wins.
        let live: DaytonaSandbox | undefined;
        const failed: DaytonaSandbox[] = [];
        for await (const sandbox of daytona.list({ labels: { [MACHINE_LABEL]: machineId } })) {
          const state = stateOf(sandbox);
          if (state === "failed") failed.push(sandbox);
          else if (state !== "missing") live ??= sandbox;
        }
        // A create whose sandbox failed to start threw before it could say which sandbox it
        // made, so no machine row holds its id: only this lookup by label ever sees it. Returned,
        // a retried create would reuse a sandbox that never runs; left, it would bill for good.
        // Best effort: one Daytona will not delete yet (a state change in progress) is tried
        // again by the next lookup, and must not stop this one from answering.
        for (const sandbox of failed) {
          await remove(sandbox).catch((error: unknown) =>
            console.error(
              `daytona: failed sandbox ${sandbox.id} of ${machineId} not deleted yet: ${toProviderError("delete it", error, [options.apiKey]).message}`,
            ),
          );
        }
        return live ? await toSandbox(live) : null;
      });
    },

    create(spec) {
      // The env values are secrets too (machine token); keep them out of any error text.
      const envSecrets = Object.values(spec.env).filter((value) => value.length >= 8);
      return call("create the sandbox", envSecrets, async (daytona) => {
        const sandbox = await daytona.create(
          {
            snapshot: options.snapshot,
            envVars: spec.env,
            labels: sandboxLabels(spec), // a fresh object: the SDK adds its language label to it
            public: false,
            autoStopInterval: 0, // a machine runs until the platform deletes it
          },
          { timeout: createTimeout },
        );
        return toSandbox(sandbox);
      });
    },

    state(externalId) {
      return call("read the sandbox's state", [], async (daytona) => {
        try {
          return stateOf(await daytona.get(externalId));
        } catch (error) {
          if (!(error instanceof DaytonaNotFoundError)) throw error;
        }
        // A 404 from the sandbox's own path could be a misrouted request; `missing` fails a
        // ready machine (machine-health.ts), so the list — another endpoint — must agree.
        for await (const sandbox of daytona.list({ id: externalId })) {
          if (sandbox.id === externalId) return stateOf(sandbox);
        }
        return "missing";
      });
    },

    delete(externalId) {
      return call("delete the sandbox", [], async (daytona) => {
        try {
          await remove(await daytona.get(externalId));
        } catch (error) {
          if (!(error instanceof DaytonaNotFoundError)) throw error;
        }
      });
    },
  };
}

/**
 * Daytona's own message (e.g. "Snapshot x not found. Did you add it through the Daytona
 * Dashboard?") with every secret cut out. No `cause`: what the SDK throws is not vetted for secrets.
 */
function toProviderError(action: string, error: unknown, secrets: string[]): ProviderError {
  if (error instanceof ProviderError) return error;
  let message = error instanceof Error ? error.message : String(error);
  for (const secret of secrets) {
    if (secret) message = message.replaceAll(secret, "[redacted]");
  }
  const status = error instanceof DaytonaError ? error.statusCode : undefined;
  return new ProviderError(`Daytona could not ${action}: ${message}`, { status });
}
