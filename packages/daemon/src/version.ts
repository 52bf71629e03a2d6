/** Reported by `/healthz`, `/platform/ping` and the daemon's ping to the platform. */
export const DAEMON_VERSION = "0.1.0";
