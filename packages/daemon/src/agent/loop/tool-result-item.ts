import type { AgentItemOf } from "@iterate/contract";

/** A tool's result content as the loop hands it over: text parts and (MCP) image parts. */
type ResultPart = { type: string; text?: string; data?: string; mimeType?: string };

/**
 * How a finished tool call is recorded: the text the model read as `output`, and the images
 * beside it as `attachments` (type and size only; their data is in the `message` item).
 *
 * @example write(toolResultItem({ runId, at: at(), toolCallId, name, isError, content, durationMs }));
 */
export function toolResultItem(input: {
  runId: string;
  at: string;
  toolCallId: string;
  name: string;
  isError: boolean;
  content: readonly ResultPart[];
  durationMs: number;
}): AgentItemOf<"tool_result"> {
  const { content, ...rest } = input;
  const images = content.filter((part) => part.type === "image");
  return {
    type: "tool_result",
    ...rest,
    output: content
      .filter((part) => part.type === "text")
      .map((part) => part.text ?? "")
      .join("\n"),
    ...(images.length > 0 && {
      attachments: images.map((image) => ({
        type: "image" as const,
        mimeType: image.mimeType ?? "application/octet-stream",
        bytes: base64Bytes(image.data ?? ""),
      })),
    }),
  };
}

/** How many bytes base64 text decodes to (about: padding aside), without decoding it. */
export function base64Bytes(data: string): number {
  return Math.floor((data.length * 3) / 4);
}
