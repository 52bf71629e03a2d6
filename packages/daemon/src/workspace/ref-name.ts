/** A full commit id: 40 hex digits (SHA-1) or 64 (SHA-256 repositories). */
const COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

/**
 * Characters `git check-ref-format` forbids anywhere in a ref name: ASCII control characters
 * and DEL, space, `~ ^ : ? * [ \`. `:` would turn `git fetch origin <ref>` into a refspec
 * that writes a local ref; `*` into a pattern.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const FORBIDDEN_CHARACTER = /[\u0000-\u0020\u007f~^:?*[\\]/;

/**
 * Why `ref` is not acceptable as the `ref` of `POST /platform/bootstrap`, or null when it is:
 * a 40/64-hex commit id, or a branch, tag or other ref name by the rules of
 * `git check-ref-format --allow-onelevel` (git-check-ref-format(1), rules 1–10), plus: no
 * leading `-` (git would read an option) or `+` (git would read a forced refspec).
 * Checked at the edge because the ref ends up on git's command line (`git fetch origin <ref>`).
 *
 * @example
 * refNameProblem("feature/login"); // null
 * refNameProblem("+refs/heads/main:refs/heads/agent-work"); // "must not start with + …"
 */
export function refNameProblem(ref: string): string | null {
  if (COMMIT_ID.test(ref)) return null;
  if (ref.length === 0) return "must not be empty";
  if (ref.startsWith("-")) return "must not start with -";
  if (ref.startsWith("+")) return "must not start with + (a forced refspec)";
  const bad = FORBIDDEN_CHARACTER.exec(ref);
  if (bad) {
    const shown = /^[\u0021-\u007e]$/.test(bad[0])
      ? bad[0]
      : `\\u${bad[0].charCodeAt(0).toString(16).padStart(4, "0")}`;
    return `must not contain ${shown} (git check-ref-format)`;
  }
  if (ref === "@") return "must not be @ alone (git check-ref-format)";
  if (ref.includes("..")) return "must not contain .. (git check-ref-format)";
  if (ref.includes("@{")) return "must not contain @{ (git check-ref-format)";
  if (ref.startsWith("/") || ref.endsWith("/") || ref.includes("//")) {
    return "must not start or end with / or contain // (git check-ref-format)";
  }
  if (ref.endsWith(".")) return "must not end with . (git check-ref-format)";
  for (const component of ref.split("/")) {
    if (component.startsWith(".")) {
      return "no /-separated part may start with . (git check-ref-format)";
    }
    if (component.endsWith(".lock")) {
      return "no /-separated part may end with .lock (git check-ref-format)";
    }
  }
  return null;
}
