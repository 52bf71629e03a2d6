/**
 * A stand-in for a provider's preview proxy in front of a sandbox that is not running: every
 * request is answered 400 with a body of the proxy's own shape, not the daemon's
 * `{"error":{"code","message"}}` (modelled on Daytona's `SANDBOX_NOT_RUNNING`). Tests point a
 * ready machine's `daemonUrl` here to see that such an answer is about the machine, not the
 * request.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** @example const proxy = await startStoppedProxy(); // machine.daemonUrl = proxy.url */
export async function startStoppedProxy(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(400, { "content-type": "application/json" }).end(
      JSON.stringify({
        statusCode: 400,
        message:
          "bad request: failed to get sandbox IP: no IP address found. Is the Sandbox started?",
        code: "SANDBOX_NOT_RUNNING",
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
