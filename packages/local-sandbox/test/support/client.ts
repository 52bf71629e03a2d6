import type { Sandbox } from "../../src/sandbox.ts";

/** What a test reads back from the service: the status and the parsed JSON (null when empty). */
export interface Answer<T = unknown> {
  status: number;
  body: T;
}

/**
 * A tiny client of the service's HTTP API, as the platform's provider would use it.
 *
 * @example
 * const api = serviceClient(service.url, secret);
 * const { status, body } = await api.create({ env });
 */
export function serviceClient(url: string, secret: string | null) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (secret !== null) headers.authorization = `Bearer ${secret}`;
    const res = await fetch(`${url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text === "" ? null : JSON.parse(text)) as T };
  }
  return {
    call,
    create: (body: unknown) => call<{ sandbox: Sandbox }>("POST", "/sandboxes", body),
    list: (query = "") => call<{ sandboxes: Sandbox[] }>("GET", `/sandboxes${query}`),
    get: (id: string) => call<{ sandbox: Sandbox }>("GET", `/sandboxes/${id}`),
    stop: (id: string) => call<{ sandbox: Sandbox }>("POST", `/sandboxes/${id}/stop`),
    delete: (id: string) => call<null>("DELETE", `/sandboxes/${id}`),
  };
}
