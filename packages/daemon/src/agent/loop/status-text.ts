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
      // An MCP tool: `<server>__<tool>`.
      const [server, tool] = name.split("__");
      return tool ? `using ${tool} of ${server}` : `using ${name}`;
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
