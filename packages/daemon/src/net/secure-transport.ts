/**
 * The daemon's one transport rule for anything carrying a secret (the ping with the daemon
 * secret, the git token): https, or plain http only to this machine itself. Loopback traffic
 * never leaves the host, which is what local development and the tests use.
 */

/**
 * True for a URL `hostname` that is the loopback interface: `localhost`, IPv4 127.0.0.0/8 or
 * IPv6 `::1` (as `URL` spells it, `[::1]`). `URL` has already normalised odd IPv4 forms
 * (`http://2130706433/` → `127.0.0.1`).
 *
 * @example isLoopbackHostname(new URL("http://127.0.0.1:8787").hostname) // true
 */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === "localhost" || host === "[::1]" || host === "::1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * True when a secret may be sent to `url`: `https:`, or `http:` to a loopback host.
 *
 * @example
 * isSecureOrLoopback(new URL("https://os.example.com")); // true
 * isSecureOrLoopback(new URL("http://os.example.com")); // false
 */
export function isSecureOrLoopback(url: URL): boolean {
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && isLoopbackHostname(url.hostname);
}

/** Human wording of the rule, for error lines. */
export const SECURE_TRANSPORT_RULE = "https (http only to loopback: 127.0.0.0/8, ::1, localhost)";
