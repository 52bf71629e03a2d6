/**
 * Whether this platform is a development one: its `PLATFORM_URL` is on a loopback address
 * (`pnpm dev`, the tests, the browser and e2e runs). A deployed platform's `PLATFORM_URL` is its
 * public https origin, which daemons must reach — never loopback — so the same setting that makes
 * machines work also decides this, and no extra var can be forgotten or set wrongly in production.
 *
 * Development allows what only makes sense on one's own machine: `file://` repositories and the
 * `Server-Timing` header (`pnpm bench` reads it).
 */
import { isLoopbackHost } from "./auth/cookies.ts";

/**
 * @example isDevelopment({ PLATFORM_URL: "http://127.0.0.1:8787" }) // true
 * @example isDevelopment({ PLATFORM_URL: "https://os.example.com" }) // false
 */
export function isDevelopment(env: { PLATFORM_URL?: string | undefined }): boolean {
  if (!env.PLATFORM_URL) return false;
  let hostname: string;
  try {
    hostname = new URL(env.PLATFORM_URL).hostname;
  } catch {
    return false;
  }
  return isLoopbackHost(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}
