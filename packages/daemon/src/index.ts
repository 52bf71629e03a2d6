export { createDaemonApp } from "./app.ts";
export { DAEMON_VERSION } from "./version.ts";
