/**
 * The LLM proxy benchmark's runtime floor: a Worker that does nothing but forward a request to
 * the upstream with a fixed key and stream the answer back — no auth, no D1, no metering. Run by
 * bench/llm-proxy.ts with `unstable_startWorker` in the same local runtime as the platform, so
 * "proxy − pass-through" is what the proxy's own work costs.
 */
export default {
  async fetch(request: Request, env: { UPSTREAM: string; KEY: string }): Promise<Response> {
    const path = new URL(request.url).pathname.replace(/^\/v1\//, "");
    const upstream = await fetch(`${env.UPSTREAM}/${path}`, {
      method: request.method,
      headers: { authorization: `Bearer ${env.KEY}`, "content-type": "application/json" },
      body: request.method === "POST" ? await request.arrayBuffer() : null,
    });
    return new Response(upstream.body, {
      status: upstream.status,
      headers: { "content-type": upstream.headers.get("content-type") ?? "text/plain" },
    });
  },
};
