/**
 * The machines test servers' side of the Node/workerd boundary: what `machines-global-setup.ts`
 * hands to the worker config and to tests (`inject("machines")`), and what the ping relay
 * records. Types only, so both the Node and the workerd side import it.
 */

/** How to reach the local-sandbox and the ping relay of the workerd test project. */
export interface MachinesContext {
  localSandboxUrl: string;
  localSandboxSecret: string;
  /** The ping relay (ping-relay.ts): daemons' `ITERATE_PLATFORM_URL`. */
  relayUrl: string;
  /** A provider proxy in front of a stopped sandbox (stopped-proxy.ts): answers everything 400. */
  stoppedProxyUrl: string;
}

/** One ping as the daemon sent it to the relay. */
export interface RecordedPing {
  authorization: string;
  body: string;
  at: number;
}

declare module "vitest" {
  export interface ProvidedContext {
    machines: MachinesContext;
  }
}
