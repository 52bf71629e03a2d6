/**
 * How long one posted message may be. Slack accepts up to 40,000 characters but truncates
 * what it shows around 4,000 and recommends staying below that; 3,500 leaves room for the
 * escapes `&amp;` etc. that grow text after conversion.
 */
export const SLACK_MESSAGE_LIMIT = 3500;

/**
 * Splits a long mrkdwn answer into messages of at most `limit` characters, at paragraph breaks
 * where possible, then line breaks, then spaces. A code block cut in two is closed at the end
 * of one part and reopened at the start of the next, so both render as code.
 *
 * @example splitForSlack("a".repeat(5000)).length; // 2
 */
export function splitForSlack(text: string, limit = SLACK_MESSAGE_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  let reopen = false;
  while (rest.length > 0) {
    const prefix: string = reopen ? "```\n" : "";
    const room = limit - prefix.length - 4; // room for a closing "\n```"
    if (prefix.length + rest.length <= limit) {
      parts.push(prefix + rest);
      break;
    }
    const cut = cutPoint(rest, room);
    let part: string = prefix + rest.slice(0, cut).trimEnd();
    rest = rest.slice(cut).replace(/^\n+/, "");
    const fences: number = (part.match(/^\s*```/gm) ?? []).length;
    reopen = fences % 2 === 1;
    if (reopen) part += "\n```";
    parts.push(part);
  }
  return parts.length > 0 ? parts : [""];
}

function cutPoint(text: string, room: number): number {
  const window = text.slice(0, room);
  for (const separator of ["\n\n", "\n", " "]) {
    const at = window.lastIndexOf(separator);
    // Not absurdly early: a cut in the first half wastes a message.
    if (at > room / 2) return at + separator.length;
  }
  return room;
}
