import { ENV_VAR_VALUE_MAX_BYTES } from "@iterate/contract";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { capOutput, DEFAULT_OUTPUT_CAP_BYTES } from "../agent/tools/output-cap.ts";

/**
 * The instance's secrets scrubbed from what an MCP server says, before people or the model see
 * it: a stdio server sees the whole env, an HTTP one its headers, and either may echo them.
 *
 * Only what is kept is scrubbed. The scrub goes over the text once per form of each secret
 * (server-spec.ts), ~0.5 s for an 8 MiB answer, on the thread every session shares; a cap keeps
 * 16 KiB. So the head and the tail that are kept are scrubbed, each with a margin: a secret the
 * cut goes through leaves a piece of itself inside the margin, which is then dropped.
 */

/** Longest form of a secret the scrub looks for: a 32 KiB env value JSON-escaped (`\u0001`). */
const SECRET_MARGIN = 6 * ENV_VAR_VALUE_MAX_BYTES;

type Scrub = (text: string) => string;

/** `capOutput(scrub(text))`, scrubbing only the head and tail the cap keeps. */
export function scrubAndCap(
  text: string,
  scrub: Scrub,
  capBytes = DEFAULT_OUTPUT_CAP_BYTES,
): string {
  const head = scrubbedEnd(text, scrub, capBytes, "head");
  const tail = head === null ? null : scrubbedEnd(text, scrub, capBytes, "tail");
  if (head === null || tail === null) return capOutput(scrub(text), capBytes);
  const dropped = Buffer.byteLength(text) - Buffer.byteLength(head) - Buffer.byteLength(tail);
  return capOutput(head + tail, capBytes, Math.max(0, dropped));
}

/** The first `keep` characters of `scrub(text)`, at least, scrubbing no more than needed. */
export function scrubbedHead(text: string, scrub: Scrub, keep: number): string {
  return scrubbedEnd(text, scrub, keep, "head") ?? scrub(text);
}

/**
 * A scrubbed end of `text` of at least `keep` characters (or bytes: a character is at least
 * one), or null when that takes the whole text. The piece is scrubbed, then its inner
 * `SECRET_MARGIN` dropped; a scrub can shorten it without bound (a long secret becomes its
 * `${NAME}`), so the piece doubles until enough is left.
 */
function scrubbedEnd(
  text: string,
  scrub: Scrub,
  keep: number,
  end: "head" | "tail",
): string | null {
  for (let size = 2 * (keep + SECRET_MARGIN); size < text.length; size *= 2) {
    const piece =
      end === "head"
        ? scrub(text.slice(0, size)).slice(0, -SECRET_MARGIN)
        : scrub(text.slice(-size)).slice(SECRET_MARGIN);
    if (piece.length >= keep) return piece;
  }
  return null;
}

/**
 * A server's tool list as it may be shown and offered: titles, descriptions and every string of
 * the input schema (descriptions, defaults, enums, property names) scrubbed; a tool whose name
 * holds a secret is not offered at all (it is called by that name, so it cannot be renamed).
 */
export function scrubTools(listed: Tool[], scrub: Scrub, descriptionMax: number): Tool[] {
  return listed
    .filter((tool) => scrub(tool.name) === tool.name)
    .map((tool) => ({
      ...tool,
      inputSchema: scrubStrings(tool.inputSchema, scrub) as Tool["inputSchema"],
      ...(tool.title === undefined
        ? {}
        : { title: scrubbedHead(tool.title, scrub, descriptionMax) }),
      ...(tool.description === undefined
        ? {}
        : { description: scrubbedHead(tool.description, scrub, descriptionMax) }),
    }));
}

/** A JSON value with each string in it, keys included, scrubbed. */
function scrubStrings(value: unknown, scrub: Scrub): unknown {
  if (typeof value === "string") return scrub(value);
  if (Array.isArray(value)) return value.map((item) => scrubStrings(item, scrub));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [scrub(key), scrubStrings(item, scrub)]),
  );
}
