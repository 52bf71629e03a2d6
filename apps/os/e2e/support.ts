/** A JSON API client for one signed-up user of a running platform, and polling helpers. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { RunningPlatform } from "../browser/start-platform.ts";
import { eventually } from "../test-support/eventually.ts";

export type MachineJson = {
  id: string;
  status: string;
  error: string | null;
  archivedAt: string | null;
};

export { eventually };

/** Signs up through the API and returns a client acting with the session cookie. */
export async function signUp(platform: RunningPlatform, label: string) {
  const base = platform.worker.url;
  const email = `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const res = await fetch(new URL("/api/auth/signup", base), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "correct horse battery staple" }),
  });
  if (res.status !== 201) throw new Error(`sign-up answered ${res.status}: ${await res.text()}`);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const { instance } = (await res.json()) as { instance: { id: string } };
  const api = (method: string, p: string, body?: unknown) =>
    fetch(new URL(`/api/instances/${instance.id}${p}`, base), {
      method,
      headers: { cookie, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  /** The `_csrf` field of the session's dashboard pages, read from one as a browser has it. */
  const pageCsrfToken = async () => {
    const page = await fetch(new URL(`/instances/${instance.id}/machines`, base), {
      headers: { cookie },
    });
    const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
    if (!token) throw new Error(`no _csrf field on the Machines page (${page.status})`);
    return token;
  };
  const machines = async () =>
    (await (await api("GET", "/machines")).json()) as {
      current: MachineJson | null;
      history: MachineJson[];
    };
  return {
    instanceId: instance.id,
    email,
    api,
    /** A dashboard page (or any path) fetched with the session cookie. */
    page: (p: string) => fetch(new URL(p, base), { headers: { cookie }, redirect: "manual" }),
    /** A dashboard form posted as a browser would: with the `_csrf` its pages carry, unless `csrf` is given. */
    form: async (p: string, fields: Record<string, string> = {}, csrf?: string) => {
      const token = csrf ?? (await pageCsrfToken());
      return fetch(new URL(p, base), {
        method: "POST",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ ...fields, _csrf: token }),
        redirect: "manual",
      });
    },
    machines,
    /** The current machine once it is `ready` (fails fast if it fails). */
    ready: (notId?: string) =>
      eventually("a ready machine", async () => {
        const { current, history } = await machines();
        const failed = history.find((m) => m.status === "failed");
        if (failed) throw new Error(`machine ${failed.id} failed: ${failed.error}`);
        return current?.status === "ready" && current.id !== notId ? current : undefined;
      }),
  };
}

/** local-sandbox's own view of a machine's sandbox (by label). */
export async function sandboxOf(platform: RunningPlatform, machineId: string) {
  const res = await fetch(
    `${platform.sandbox.url}/sandboxes?label=${encodeURIComponent(`iterate.machine=${machineId}`)}`,
    { headers: { authorization: `Bearer ${platform.sandbox.secret}` } },
  );
  const { sandboxes } = (await res.json()) as {
    sandboxes: { id: string; pid: number; state: string }[];
  };
  return sandboxes[0];
}

/** A process's env as the kernel holds it (what the daemon was started with). */
export async function processEnv(pid: number): Promise<Record<string, string>> {
  const raw = await readFile(`/proc/${pid}/environ`, "utf8");
  return Object.fromEntries(
    raw
      .split("\0")
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
  );
}

/** True while the process exists and is not a zombie. */
export async function isAlive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  return stat !== null && !/^\d+ \(.*\) Z/.test(stat);
}

/** The instance env a daemon has persisted (`~/.iterate/env.json` in its HOME). */
export async function daemonInstanceEnv(platform: RunningPlatform, sandboxId: string) {
  const file = path.join(
    platform.sandbox.root,
    "machines",
    sandboxId,
    "home",
    ".iterate",
    "env.json",
  );
  return (JSON.parse(await readFile(file, "utf8")) as { env: Record<string, string> }).env;
}
