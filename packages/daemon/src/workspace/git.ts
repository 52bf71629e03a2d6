import { execFile } from "node:child_process";
import { isSecureOrLoopback } from "../net/secure-transport.ts";

/** A git command that exited non-zero (or timed out). `message` is git's own stderr, token-free. */
export class GitError extends Error {
  override name = "GitError";
  constructor(
    message: string,
    /** The git subcommand that failed, e.g. "clone". */
    readonly command: string,
  ) {
    super(message);
  }
}

/** Options of {@link runGit}. */
export interface RunGitOptions {
  /** Working directory (`git -C` would also work; cwd keeps argv short). */
  cwd?: string;
  /** The full environment of the git process: the daemon's own env, never the instance's. */
  env: Record<string, string | undefined>;
  /**
   * A token handed to git through a credential helper (never on argv or on disk), and only
   * when git asks for the credential of `url`'s own protocol and host — see
   * {@link gitCredential}.
   */
  credential?: { token: string; url: string };
  /** Kills git after this long. Default 10 minutes (a big clone on a slow link). */
  timeoutMs?: number;
}

/** Env vars through which the credential helper reads the token and its one allowed origin. */
const TOKEN_VAR = "ITERATE_GIT_TOKEN";
const PROTOCOL_VAR = "ITERATE_GIT_TOKEN_PROTOCOL";
const HOST_VAR = "ITERATE_GIT_TOKEN_HOST";

/**
 * A credential helper defined inline with `-c`: it exists only for this one git process, so
 * the token never lands in `.git/config`, the remote URL, argv or a log. The empty
 * `credential.helper=` first clears any helper from system or global config.
 * git describes what it wants on stdin (`protocol=https`, `host=github.com[:port]`, …,
 * gitcredentials(7)); the helper answers only when both match the repository's own URL, so a
 * redirect to another host, or a downgrade to http, gets nothing. Compared case-insensitively
 * (URL hosts are). GitHub accepts any username with a token as password; `x-access-token` is
 * its convention.
 */
const CREDENTIAL_HELPER = [
  "!f() {",
  'test "$1" = get || exit 0; p=; h=;',
  'while IFS= read -r line; do line=$(printf %s "$line" | tr "[:upper:]" "[:lower:]");',
  `case "$line" in "protocol=$${PROTOCOL_VAR}") p=1 ;; "host=$${HOST_VAR}") h=1 ;; esac; done;`,
  'test "$p$h" = 11 || exit 0;',
  `echo username=x-access-token; echo "password=$${TOKEN_VAR}"; }; f`,
].join(" ");

/**
 * Whether and for which origin a token may be offered for `url`: only `https:` URLs, or
 * `http:` to loopback (local development, tests); `ssh`, `file` and plain http elsewhere get
 * no helper at all.
 *
 * @example gitCredential("https://github.com/acme/repo.git") // { protocol: "https", host: "github.com" }
 */
export function gitCredential(url: string): { protocol: string; host: string } | null {
  if (!URL.canParse(url)) return null;
  const parsed = new URL(url);
  if (!isSecureOrLoopback(parsed)) return null;
  return { protocol: parsed.protocol.slice(0, -1), host: parsed.host.toLowerCase() };
}

/**
 * The `-c` arguments and env vars that give one git process the token for `credential.url`'s
 * origin, or null when no token may be offered (none given, or not https/loopback http).
 *
 * @example
 * const helper = credentialHelper({ token, url: "https://github.com/acme/repo.git" });
 * execFile("git", [...(helper?.config ?? []), "fetch"], { env: { ...env, ...helper?.env } });
 */
export function credentialHelper(
  credential: { token: string; url: string } | undefined,
): { config: string[]; env: Record<string, string> } | null {
  const scope = credential?.token ? gitCredential(credential.url) : null;
  if (!credential || !scope) return null;
  return {
    config: ["-c", `credential.helper=${CREDENTIAL_HELPER}`],
    env: { [TOKEN_VAR]: credential.token, [PROTOCOL_VAR]: scope.protocol, [HOST_VAR]: scope.host },
  };
}

/**
 * Settings the workspace's own `.git/config` (the agent can write it) must not change for the
 * daemon's git: no `ext::` transport (it runs commands), no credential helper but ours, no
 * hooks or fsmonitor command (they would run on the daemon's checkout and merge), TLS checked,
 * no signature check (it runs `gpg.program`). The user's config (`~/.gitconfig`, the XDG one),
 * which the agent can write too, is not read at all (`GIT_CONFIG_GLOBAL`).
 * What `-c` cannot reach (URL-scoped `http.<url>.*`, includes, a remote's upload-pack, filters)
 * is removed from that file before each update (repo-config.ts).
 */
const HARDENED_CONFIG = [
  "-c",
  "protocol.ext.allow=never",
  "-c",
  "credential.helper=",
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "core.fsmonitor=false",
  "-c",
  "http.sslVerify=true",
  // No signature check on the update's merge: it would run the config's `gpg.program`.
  "-c",
  "merge.verifySignatures=false",
];

/**
 * Runs the system `git` with `args` (execFile, no shell) and resolves with trimmed stdout.
 * Prompts are disabled (a missing credential fails instead of hanging) and the workspace's
 * config cannot turn on what {@link HARDENED_CONFIG} turns off.
 *
 * @example
 * const commit = await runGit(["rev-parse", "HEAD"], { cwd: workspace, env: runEnv() });
 */
export function runGit(args: string[], options: RunGitOptions): Promise<string> {
  const config = [...HARDENED_CONFIG];
  const helper = credentialHelper(options.credential);
  if (helper) config.push(...helper.config);
  const token = options.credential?.token || undefined;
  const env: Record<string, string | undefined> = {
    ...options.env,
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "",
    SSH_ASKPASS: "",
    GCM_INTERACTIVE: "never",
    GIT_SSH_COMMAND: options.env.GIT_SSH_COMMAND ?? "ssh -o BatchMode=yes",
    // Neither ~/.gitconfig nor $XDG_CONFIG_HOME/git/config: the agent can write both.
    GIT_CONFIG_GLOBAL: "/dev/null",
    // Set (or cleared, so the daemon's own env cannot smuggle one in) for the helper alone.
    [TOKEN_VAR]: undefined,
    [PROTOCOL_VAR]: undefined,
    [HOST_VAR]: undefined,
    ...helper?.env,
  };
  const command = args.find((arg) => !arg.startsWith("-")) ?? "git";
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      [...config, ...args],
      {
        cwd: options.cwd,
        env,
        timeout: options.timeoutMs ?? 600_000,
        maxBuffer: 16 * 1024 * 1024,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout.trim());
        const timedOut = error.killed && error.signal !== null;
        const detail = timedOut
          ? `git ${command} timed out`
          : stderr.trim() || error.message || `git ${command} failed`;
        reject(new GitError(redact(detail, token), command));
      },
    );
  });
}

/** Belt and braces: git never prints the password it was given, but a URL could echo one. */
function redact(text: string, token: string | undefined): string {
  return token ? text.split(token).join("***") : text;
}
