/**
 * `fetchForInstance(env, instanceId)` — how platform code talks to an instance's machine.
 *
 * It returns a `fetch` whose relative URLs resolve against the instance's ready machine and whose
 * every request is signed for that machine (ARCHITECTURE "Platform → daemon"): an HS256 JWT keyed
 * by the daemon secret, bound to the method, the path and query exactly as sent, and the SHA-256
 * of the body. The provider's headers (Daytona's `x-daytona-preview-token`) are added, redirects
 * are never followed (a signature is for one path on one host), and the daemon secret is
 * decrypted once per isolate and machine.
 *
 * @example
 * const machine = fetchForInstance(env, instanceId);
 * const res = await machine("/platform/ping");
 * const { uptimeMs } = await res.json();
 * // throws MachineNotReadyError (503 machine_not_ready) when the instance has no ready machine
 */
import { AppError, signRequest } from "@iterate/contract";
import type { Bindings } from "../app-env.ts";
import { createDb } from "../db/client.ts";
import { findLiveMachine, findMachine } from "../db/machines.ts";
import type { MachineRow, MachineStatus } from "../db/schema.ts";
import { keyringFromEnv } from "../keyring.ts";
import { createOpenedCache } from "../keys/opened-cache.ts";

/** A `fetch` bound to one instance's machine. */
export type MachineFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** There is no machine in a state to take the request. Maps to 503 `machine_not_ready`. */
export class MachineNotReadyError extends AppError {
  override name = "MachineNotReadyError";
  constructor(
    readonly instanceId: string,
    /** The status of the instance's live machine, or null when it has none. */
    readonly machineStatus: MachineStatus | null,
  ) {
    const status = machineStatus;
    super(
      "machine_not_ready",
      status
        ? `The instance's machine is ${status}, not ready yet.`
        : "The instance has no machine. Rebuild it from the Machines page.",
      503,
    );
  }
}

/** AAD of a machine's daemon secret envelope. */
export const daemonSecretAad = (machineId: string) => `machines.daemon_secret:${machineId}`;
/** AAD of a machine's provider headers envelope. */
export const providerHeadersAad = (machineId: string) => `machines.provider_headers:${machineId}`;

type Credentials = { secret: string; headers: Record<string, string> };
/** Per isolate, per machine; keyed by the envelopes so a re-sealed or replaced secret is re-read. */
const credentialCache = createOpenedCache<Credentials>(1000);

function credentialsFor(env: Bindings, machine: MachineRow, secretEnvelope: string) {
  const key = `${secretEnvelope}\n${machine.providerHeadersEncrypted ?? ""}`;
  return credentialCache.get(machine.id, key, async () => {
    const keyring = await keyringFromEnv(env);
    const secret = await keyring.decrypt(secretEnvelope, daemonSecretAad(machine.id));
    const headers = machine.providerHeadersEncrypted
      ? (JSON.parse(
          await keyring.decrypt(machine.providerHeadersEncrypted, providerHeadersAad(machine.id)),
        ) as Record<string, string>)
      : {};
    return { secret, headers };
  });
}

/**
 * A signed fetch for one known machine (it must have a daemon URL and secret). The workflow uses
 * it while the machine is still `bootstrapping`; everyone else uses {@link fetchForInstance}.
 */
export function signedFetch(env: Bindings, machine: MachineRow): MachineFetch {
  const { daemonUrl, daemonSecretEncrypted } = machine;
  if (!daemonUrl || !daemonSecretEncrypted) {
    throw new MachineNotReadyError(machine.instanceId, machine.status);
  }
  const base = new URL(daemonUrl);
  return async function machineFetch(input, init) {
    if (typeof input === "string") assertPlainPath(input);
    const url = new URL(input instanceof Request ? input.url : input, base);
    // Never sign a request for another host: the signature is the machine's authority.
    if (url.origin !== base.origin) {
      throw new TypeError(`fetchForInstance only reaches the machine at ${base.origin}`);
    }
    const request = new Request(url, input instanceof Request ? new Request(input, init) : init);
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : null;
    const { secret, headers: providerHeaders } = await credentialsFor(
      env,
      machine,
      daemonSecretEncrypted,
    );
    const headers = new Headers(request.headers);
    for (const [name, value] of Object.entries(providerHeaders)) headers.set(name, value);
    const jwt = await signRequest({
      secret,
      machineId: machine.id,
      method: request.method,
      url: url.pathname + url.search,
      body,
    });
    headers.set("authorization", `Bearer ${jwt}`);
    return fetch(url, {
      method: request.method,
      headers,
      body,
      redirect: "manual",
      signal: init?.signal ?? null,
    });
  };
}

/**
 * Refuses a relative path that URL parsing would rewrite: `.`/`..` segments (also as `%2e`) and
 * backslashes. Otherwise `/agents/${name}` with a name of `..` would sign a request for
 * `/platform/env` — the signature covers the normalized path, which is not what the caller meant.
 * Any URL with a control character or surrounding spaces is refused too: parsing drops tabs and
 * newlines anywhere (`/agents/.\t./platform/env` is `/agents/../platform/env`) and C0 controls
 * and spaces at either end (` ../platform/env`), after the checks below would have looked.
 */
function assertPlainPath(input: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point.
  if (/[\u0000-\u001f\u007f]/.test(input) || input.trim() !== input) {
    throw new TypeError(
      `fetchForInstance refuses a URL with control characters or surrounding spaces: ${JSON.stringify(input)}`,
    );
  }
  // Absolute and protocol-relative URLs are checked by origin instead.
  if (/^[a-z][a-z0-9+.-]*:/i.test(input) || input.startsWith("//")) return;
  const path = input.split(/[?#]/, 1)[0] ?? "";
  const dotted = path.split("/").some((segment) => /^(\.|%2e){1,2}$/i.test(segment));
  if (dotted || path.includes("\\")) {
    throw new TypeError(
      `fetchForInstance refuses a path with dot segments or backslashes: ${path}`,
    );
  }
}

/**
 * A signed fetch for a machine by id, while it is in one of `statuses`.
 * @example const machine = await fetchForMachine(env, machineId, ["bootstrapping"]);
 */
export async function fetchForMachine(
  env: Bindings,
  machineId: string,
  statuses: readonly MachineStatus[],
): Promise<MachineFetch> {
  const machine = await findMachine(createDb(env.DB), machineId);
  if (!machine) throw new MachineNotReadyError("", null);
  if (!statuses.includes(machine.status)) {
    throw new MachineNotReadyError(machine.instanceId, machine.status);
  }
  return signedFetch(env, machine);
}

/**
 * The instance's ready machine as a `fetch`. The machine is looked up on every call, so a
 * rebuild takes effect at once; it throws {@link MachineNotReadyError} when none is ready.
 */
export function fetchForInstance(env: Bindings, instanceId: string): MachineFetch {
  return async function instanceFetch(input, init) {
    const machine = await findLiveMachine(createDb(env.DB), instanceId);
    if (machine?.status !== "ready") {
      throw new MachineNotReadyError(instanceId, machine?.status ?? null);
    }
    return signedFetch(env, machine)(input, init);
  };
}
