/**
 * What a tool call is doing, in a few words for the Slack status line and the session view:
 * `reading src/app.ts`, `running pnpm test`.
 *
 * @example statusOfToolCall("run_command", { command: "pnpm test" }); // "running `pnpm test`"
 */
export function statusOfToolCall(name: string, args: unknown): string {
  const a = (args ?? {}) as Record<string, unknown>;
  const str = (key: string) => (typeof a[key] === "string" ? short(a[key] as string) : "");
  switch (name) {
    case "read_file":
      return `reading \`${str("path")}\``;
    case "write_file":
      return `writing \`${str("path")}\``;
    case "edit_file":
      return `editing \`${str("path")}\``;
    case "list_files":
      return `listing \`${str("path") || "."}\`${a.pattern ? ` (${str("pattern")})` : ""}`;
    case "search":
      return `searching for \`${str("pattern")}\``;
    case "run_command":
      return `running \`${str("command")}\``;
    default: {
      // An MCP tool: `<server>__<tool>`. A server name never holds `__` (contract
      // MCP_SERVER_NAME_PATTERN); a tool's own name may.
      const at = name.indexOf("__");
      return at > 0 ? `using ${name.slice(at + 2)} of ${name.slice(0, at)}` : `using ${name}`;
    }
  }
}

function short(text: string): string {
  const line = text.split("\n")[0] ?? "";
  // Backticks would end Slack's inline code early.
  const clean = line.replace(/`/g, "'");
  const cut = clean.length > 80 ? `${clean.slice(0, 79)}…` : clean;
  return text.includes("\n") ? `${cut} …` : cut;
}
