/**
 * A Worker in wrangler's local runtime, with both of its addresses. `wrangler dev` runs two
 * workerd processes: a reload proxy on the public port (it holds requests while a new bundle
 * loads, then forwards each one over loopback HTTP) and the runtime that runs the Worker.
 * Cloudflare has no such proxy, so benchmarks of the Worker's own latency time `runtimeUrl`, the
 * runtime's own socket; `url` (the port the caller chose) is what daemons and browsers are given.
 * Measured here: the proxy hop roughly doubles `/healthz` (0.9 → 1.8 ms alone, 9 → 19 ms p50 at
 * concurrency 20).
 *
 * The runtime's address comes from wrangler internals (`unstable_DevEnv`, its controllers'
 * "reloadComplete" event), as wrangler 4.86.0 (pinned) has them; a wrangler upgrade must check it.
 */
import { unstable_DevEnv } from "wrangler";

type StartOptions = Parameters<unstable_DevEnv["startWorker"]>[0];
/** A bundle that fails to load never announces the runtime: say so instead of hanging. */
const RUNTIME_START_TIMEOUT_MS = 60_000;

/** A started Worker: the public URL, the runtime's own URL and a stop function. */
export type DevWorker = {
  url: URL;
  runtimeUrl: URL;
  dispose(): Promise<void>;
};

/**
 * @example
 * const worker = await startDevWorker({ config: "wrangler.toml", dev: { server: { port: 0 } } });
 * await fetch(new URL("/healthz", worker.runtimeUrl)); // no reload proxy in between
 */
export async function startDevWorker(options: StartOptions): Promise<DevWorker> {
  const devEnv = new unstable_DevEnv();
  // The runtime's address is only announced on the controllers' bus ("reloadComplete"), and the
  // public URL is ready before it: listen on the bus, then wait for both. A runtime that fails
  // to load says so on the bus too ("error"; wrangler itself only logs it at debug level).
  let announced!: (url: URL) => void;
  let failed!: (error: Error) => void;
  const runtimeUrl = new Promise<URL>((resolve, reject) => {
    announced = resolve;
    failed = reject;
  });
  const dispatch = devEnv.dispatch.bind(devEnv);
  devEnv.dispatch = (event) => {
    if (event.type === "reloadComplete") {
      const { protocol, hostname, port } = event.proxyData.userWorkerUrl;
      announced(new URL(`${protocol}//${hostname}:${port}`));
    } else if (event.type === "error" && event.source === "LocalRuntimeController") {
      failed(new Error(`the Worker's runtime did not start: ${event.reason}`));
    }
    dispatch(event);
  };
  const worker = await devEnv.startWorker(options);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the Worker did not start in ${RUNTIME_START_TIMEOUT_MS} ms`)),
      RUNTIME_START_TIMEOUT_MS,
    );
  });
  const started = (async () => {
    await worker.ready;
    return { url: await worker.url, runtimeUrl: await runtimeUrl };
  })();
  // Whichever loses the race below must not become an unhandled rejection.
  started.catch(() => {});
  try {
    return { ...(await Promise.race([started, timeout])), dispose: () => worker.dispose() };
  } catch (error) {
    // Not awaited: should the proxy itself never have started, dispose() would wait on it too.
    void worker.dispose().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
