// Slack's own markup (https://docs.slack.dev/messaging/formatting-message-text): `*bold*`,
// `_italic_`, `~strike~`, `<url|text>` links, ``` blocks without a language, and `&`, `<`, `>`
// escaped in text.

const FENCE = /^\s*(```|~~~)/;
// Placeholders use private-use characters no model writes.
const HOLD = "\uE000";
const HOLD_END = "\uE001";

/**
 * Converts the model's Markdown into Slack mrkdwn: **bold** → *bold*, *italic* → _italic_,
 * ~~strike~~ → ~strike~, [text](url) → <url|text>, headings → bold lines, `-`/`*` bullets → •,
 * tables → code blocks (Slack has no tables); code blocks and inline code are kept verbatim.
 * Slack's own tokens the model repeats (`<@U123>`, `<#C1>`, `<!here>`, `<https://…|…>`) survive.
 *
 * @example
 * markdownToMrkdwn("## Done\n**2 files** changed, see [PR](https://x/1)");
 * // "*Done*\n*2 files* changed, see <https://x/1|PR>"
 */
export function markdownToMrkdwn(markdown: string): string {
  const out: string[] = [];
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  let fence: string | null = null;
  let table: string[] = [];
  const flushTable = () => {
    if (table.length === 0) return;
    out.push("```", ...table, "```");
    table = [];
  };
  for (const line of lines) {
    const opener = FENCE.exec(line);
    if (fence) {
      if (opener && opener[1] === fence && line.trim() === fence) {
        out.push("```");
        fence = null;
      } else out.push(line);
      continue;
    }
    if (opener) {
      flushTable();
      fence = opener[1] as string;
      out.push("```"); // Slack shows no language; the info string would print as code
      continue;
    }
    if (/^\s*\|.*\|\s*$/.test(line)) {
      // Separator rows (|---|:--:|) mean nothing without table rendering.
      if (!/^\s*\|[\s:|-]+\|\s*$/.test(line)) table.push(line.trim());
      continue;
    }
    flushTable();
    out.push(convertLine(line));
  }
  flushTable();
  if (fence) out.push("```"); // an unclosed block still ends
  return out.join("\n");
}

function convertLine(line: string): string {
  const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
  if (heading) return `*${stripEmphasis(convertInline(heading[1] as string))}*`;
  if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) return "———";
  const quote = /^(\s*>\s?)(.*)$/.exec(line);
  if (quote) return `>${convertInline(quote[2] as string)}`;
  const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
  if (bullet) return `${bullet[1]}• ${convertInline(bullet[2] as string)}`;
  return convertInline(line);
}

/** Inline spans of one line; code spans and Slack tokens are held aside while the rest converts. */
function convertInline(text: string): string {
  const held: string[] = [];
  const hold = (value: string) => `${HOLD}${held.push(value) - 1}${HOLD_END}`;
  let s = text
    .replace(/`[^`]+`/g, (code) => hold(code))
    .replace(/<(?:[@#!][^>\s]+|https?:\/\/[^>\s]+)>/g, (token) => hold(token))
    .replace(
      /!?\[([^\]]*)\]\((<?)([^)\s>]+)>?(?:\s+"[^"]*")?\)/g,
      (_m, label: string, _lt, url: string) =>
        hold(`<${url}|${escapeText(label || url).replace(/\|/g, "¦")}>`),
    );
  s = escapeText(s);
  s = s
    .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, (_m, _d, inner: string) => hold(`*${inner}*`))
    .replace(/(^|[^\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?!\w)/g, "$1_$2_")
    .replace(/~~(?=\S)(.+?)(?<=\S)~~/g, "~$1~");
  // Held values may hold others (a link inside bold): restore until none is left.
  const restore = new RegExp(`${HOLD}(\\d+)${HOLD_END}`, "g");
  while (restore.test(s)) s = s.replace(restore, (_m, i: string) => held[Number(i)] as string);
  return s;
}

function stripEmphasis(text: string): string {
  return text.replace(/^\*(.*)\*$/, "$1");
}

/** Slack's three escapes for text outside its tokens. */
function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
