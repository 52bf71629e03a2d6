import { execFile } from "node:child_process";

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
  /** The full environment of the git process (usually the machine's run env). */
  env: Record<string, string | undefined>;
  /** An HTTPS token handed to git through a credential helper; never on argv or on disk. */
  token?: string;
  /** Kills git after this long. Default 10 minutes (a big clone on a slow link). */
  timeoutMs?: number;
}

/** The env var through which the credential helper reads the token (only git's own env has it). */
const TOKEN_VAR = "ITERATE_GIT_TOKEN";

/**
 * A credential helper defined inline with `-c`: it exists only for this one git process, so
 * the token never lands in `.git/config`, the remote URL, argv or a log. The empty
 * `credential.helper=` first clears any helper from system or global config.
 * GitHub accepts any username with a token as password; `x-access-token` is its convention.
 */
const CREDENTIAL_HELPER = `!f() { test "$1" = get || exit 0; echo username=x-access-token; echo "password=$${TOKEN_VAR}"; }; f`;

/**
 * Runs the system `git` with `args` (execFile, no shell) and resolves with trimmed stdout.
 * Prompts are disabled (a missing credential fails instead of hanging) and the `ext::`
 * transport, which runs arbitrary commands, is refused.
 *
 * @example
 * const commit = await runGit(["rev-parse", "HEAD"], { cwd: workspace, env: runEnv() });
 */
export function runGit(args: string[], options: RunGitOptions): Promise<string> {
  const config = ["-c", "protocol.ext.allow=never", "-c", "credential.helper="];
  if (options.token) config.push("-c", `credential.helper=${CREDENTIAL_HELPER}`);
  const env: Record<string, string | undefined> = {
    ...options.env,
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "",
    SSH_ASKPASS: "",
    GCM_INTERACTIVE: "never",
    GIT_SSH_COMMAND: options.env.GIT_SSH_COMMAND ?? "ssh -o BatchMode=yes",
    [TOKEN_VAR]: options.token,
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
        reject(new GitError(redact(detail, options.token), command));
      },
    );
  });
}

/** Belt and braces: git never prints the password it was given, but a URL could echo one. */
function redact(text: string, token: string | undefined): string {
  return token ? text.split(token).join("***") : text;
}
