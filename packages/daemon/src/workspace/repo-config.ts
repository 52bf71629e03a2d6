import type { Git } from "./git-sync.ts";

/**
 * Keys of the workspace's own `.git/config` (the agent can write it) that would make the
 * daemon's git run a command or send the remote's token elsewhere on its fetch, checkout and
 * merge: includes (whatever they pull in), URL rewrites, `http.*` (a URL-scoped
 * `http.<url>.sslVerify=false` beats the `-c http.sslVerify=true` of every call), filters and
 * merge drivers, the signature programs (`gpg.*`), a remote's upload-pack or proxy, a work tree elsewhere, the core commands
 * git.ts overrides anyway — and `extensions.worktreeConfig`, which makes git read
 * `.git/config.worktree` too, a file `--local` does not list.
 */
const UNSAFE_KEY =
  /^(?:extensions\.worktreeconfig$|include\.|includeif\.|url\.|http\.|filter\.|credential\.|protocol\.|uploadpack\.|gpg\.|merge\..+\.driver$|remote\..+\.(?:uploadpack|receivepack|proxy|vcs)$|core\.(?:gitproxy|hookspath|fsmonitor|sshcommand|askpass|worktree)$)/i;

/**
 * Removes the {@link UNSAFE_KEY} keys from the repository's local config before the daemon's
 * git works in it; the names it removed (for the log), none usually.
 *
 * @example const removed = await dropUnsafeConfig(git, dir); // ["url.https://x/.insteadof"]
 */
export async function dropUnsafeConfig(git: Git, dir: string): Promise<string[]> {
  const listed = await git(["config", "--local", "--name-only", "--list"], dir).catch(() => "");
  const unsafe = [...new Set(listed.split("\n").filter((name) => UNSAFE_KEY.test(name)))];
  for (const name of unsafe) await git(["config", "--local", "--unset-all", name], dir);
  return unsafe;
}
