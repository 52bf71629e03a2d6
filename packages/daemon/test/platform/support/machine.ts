import { type DaemonProcess, machineEnv, startDaemon } from "./daemon-process.ts";
import { type FakePlatform, startFakePlatform } from "./fake-platform.ts";
import type { MachineKey } from "./signed-fetch.ts";

/** A running daemon, the fake platform it pinged, and the key the platform signs with. */
export interface TestMachine {
  daemon: DaemonProcess;
  platform: FakePlatform;
  key: MachineKey;
  stop(): Promise<void>;
}

/**
 * Starts a fake platform and a real daemon, and waits for the handshake's ping, as the
 * platform's MachineWorkflow would before its first signed request.
 *
 * @example
 * const machine = await startMachine();
 * await signedFetch(machine.daemon.url, machine.key, "GET", "/platform/ping");
 */
export async function startMachine(
  options: { home?: string; env?: Record<string, string> } = {},
): Promise<TestMachine> {
  const platform = await startFakePlatform();
  const daemon = await startDaemon({
    home: options.home,
    env: { ...machineEnv(platform.url), ...options.env },
  });
  const [ping] = await platform.waitForPings(1);
  if (!ping) throw new Error("no ping");
  return {
    daemon,
    platform,
    key: { machineId: ping.body.machineId, secret: ping.body.secret },
    async stop() {
      await daemon.stop();
      await platform.close();
    },
  };
}
