/**
 * The `local` provider: a client of packages/local-sandbox, which runs each sandbox as a daemon
 * child process on this computer (`pnpm dev`, end-to-end tests). Reached over HTTP exactly as
 * Daytona is, so the platform code path is the same.
 */
import { z } from "zod";
import {
  MACHINE_LABEL,
  type MachineProvider,
  ProviderError,
  type Sandbox,
  type SandboxState,
  sandboxLabels,
} from "./provider.ts";

/** Options of {@link createLocalProvider}. */
export interface LocalProviderOptions {
  /** local-sandbox's base URL (`LOCAL_SANDBOX_URL`, default port 8788). */
  url: string;
  /** Its shared secret (`LOCAL_SANDBOX_SECRET`). */
  secret: string;
  fetch?: typeof fetch;
}

const sandboxSchema = z.object({
  id: z.string(),
  state: z.enum(["starting", "running", "stopped", "failed"]),
  /** Null until the daemon listens. */
  url: z.string().nullable(),
});
const oneSchema = z.object({ sandbox: sandboxSchema });
const listSchema = z.object({ sandboxes: z.array(sandboxSchema) });
const errorSchema = z.object({ error: z.object({ message: z.string() }) });

/**
 * @example
 * const provider = createLocalProvider({ url: env.LOCAL_SANDBOX_URL, secret: env.LOCAL_SANDBOX_SECRET });
 * const sandbox = await provider.create({ machineId, instanceId, env });
 */
export function createLocalProvider(options: LocalProviderOptions): MachineProvider {
  const doFetch = options.fetch ?? fetch;
  const base = options.url.replace(/\/+$/, "");

  async function call(method: string, path: string, body?: unknown): Promise<Response> {
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.secret}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: "manual",
      });
    } catch (error) {
      throw new ProviderError(
        `The local sandbox service at ${base} cannot be reached (is \`pnpm dev\` running?).`,
        { cause: error },
      );
    }
    if (res.ok || res.status === 404) return res;
    const detail = errorSchema.safeParse(await res.json().catch(() => null));
    throw new ProviderError(
      `The local sandbox service answered ${res.status}${detail.success ? `: ${detail.data.error.message}` : "."}`,
      { status: res.status },
    );
  }

  const toSandbox = (s: z.infer<typeof sandboxSchema>): Sandbox => {
    if (!s.url) throw new ProviderError(`Sandbox ${s.id} has no daemon URL yet.`);
    return { externalId: s.id, daemonUrl: s.url, headers: {} };
  };

  return {
    name: "local",
    async find(machineId) {
      const label = encodeURIComponent(`${MACHINE_LABEL}=${machineId}`);
      const res = await call("GET", `/sandboxes?label=${label}`);
      const { sandboxes } = listSchema.parse(await res.json());
      // A `starting` one is still inside the create call of an earlier attempt; a retry that
      // finds it waits for it rather than starting a second daemon.
      const alive = sandboxes.find((s) => s.state === "running" && s.url);
      if (!alive && sandboxes.some((s) => s.state === "starting")) {
        throw new ProviderError("An earlier attempt is still starting this machine's sandbox.");
      }
      return alive ? toSandbox(alive) : null;
    },
    async create(spec) {
      const res = await call("POST", "/sandboxes", { env: spec.env, labels: sandboxLabels(spec) });
      if (res.status === 404)
        throw new ProviderError("The local sandbox service has no /sandboxes.");
      return toSandbox(oneSchema.parse(await res.json()).sandbox);
    },
    async state(externalId): Promise<SandboxState> {
      const res = await call("GET", `/sandboxes/${encodeURIComponent(externalId)}`);
      if (res.status === 404) return "missing";
      return oneSchema.parse(await res.json()).sandbox.state;
    },
    async delete(externalId) {
      // 404: already gone, which is what delete wants.
      await call("DELETE", `/sandboxes/${encodeURIComponent(externalId)}`);
    },
  };
}
