/**
 * A small glob matcher for workspace-relative `/` paths — `**` (any depth, including none),
 * `*` and `?` (within one segment), `{a,b}` alternatives — enough for "src/**\/*.ts" without a
 * dependency (Node 20 has no `fs.glob`). A pattern without `/` matches the file's base name
 * anywhere, as `*.ts` means in most tools.
 *
 * @example
 * globToRegExp("src/**\/*.{ts,tsx}").test("src/a/b.tsx"); // true
 * globToRegExp("*.md").test("docs/x.md"); // true (no slash: any directory)
 */
export function globToRegExp(pattern: string): RegExp {
  const anchored = pattern.includes("/") ? pattern.replace(/^\.?\//, "") : `**/${pattern}`;
  let source = "";
  let depth = 0;
  for (let i = 0; i < anchored.length; i++) {
    const char = anchored[i] as string;
    if (char === "*") {
      if (anchored[i + 1] === "*") {
        // `**/` matches zero or more directories; a trailing `**` anything below.
        const slash = anchored[i + 2] === "/";
        source += slash ? "(?:[^/]*/)*" : ".*";
        i += slash ? 2 : 1;
      } else {
        source += "[^/]*";
      }
    } else if (char === "?") source += "[^/]";
    else if (char === "{") {
      depth++;
      source += "(?:";
    } else if (char === "}" && depth > 0) {
      depth--;
      source += ")";
    } else if (char === "," && depth > 0) source += "|";
    else source += char.replace(/[.+^$()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}
