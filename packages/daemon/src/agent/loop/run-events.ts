import type { AgentItem } from "@iterate/contract";
import type { AgentEvent, AgentMessage } from "@mariozechner/pi-agent-core";
import type { AssistantMessage } from "@mariozechner/pi-ai";
import type { RunObserver } from "./run-types.ts";
import { statusOfToolCall } from "./status-text.ts";
import { toolResultItem } from "./tool-result-item.ts";

/** What {@link createRunEventHandler} writes with and tells. */
export interface RunEventSinks {
  runId: string;
  /** The ISO time of an item. */
  at(): string;
  now(): number;
  write(item: AgentItem): void;
  /** Records a finished message (user, assistant or tool result) in the session. */
  record(message: AgentMessage): void;
  /** The run's text deltas, batched into items. */
  deltas: { add(text: string): void; flush(): void };
  observer: RunObserver;
  /** The model finished with an answer for the user (its text is given to the observer). */
  answered(): void;
}

/**
 * How one run's agent events become session items: text deltas (batched), each finished
 * message, the model's usage, every tool call with its status line and its result with how long
 * it took; a final answer also goes to the observer (the Slack thread).
 *
 * @example agent.subscribe(createRunEventHandler({ runId, at, now, write, record, deltas, observer, answered }));
 */
export function createRunEventHandler(sinks: RunEventSinks): (event: AgentEvent) => void {
  const { runId, at, now, write, deltas, observer } = sinks;
  const toolStarted = new Map<string, number>();
  return (event) => {
    switch (event.type) {
      case "message_update":
        if (event.assistantMessageEvent.type === "text_delta") {
          deltas.add(event.assistantMessageEvent.delta);
        }
        return;
      case "message_end": {
        deltas.flush();
        const message = event.message;
        sinks.record(message);
        if (message.role !== "assistant") return;
        const { usage } = message;
        write({
          type: "usage",
          runId,
          at: at(),
          model: message.model,
          input: usage.input,
          output: usage.output,
          cacheRead: usage.cacheRead,
          cacheWrite: usage.cacheWrite,
          totalTokens: usage.totalTokens,
        });
        const text = textOf(message);
        if ((message.stopReason === "stop" || message.stopReason === "length") && text.trim()) {
          sinks.answered();
          observer.answer(text);
        }
        return;
      }
      case "tool_execution_start": {
        deltas.flush();
        toolStarted.set(event.toolCallId, now());
        write({
          type: "tool_call",
          runId,
          at: at(),
          toolCallId: event.toolCallId,
          name: event.toolName,
          args: event.args,
        });
        const status = statusOfToolCall(event.toolName, event.args);
        write({ type: "status", runId, at: at(), text: status });
        observer.status(status);
        return;
      }
      case "tool_execution_end": {
        const startedAt = toolStarted.get(event.toolCallId) ?? now();
        toolStarted.delete(event.toolCallId);
        write(
          toolResultItem({
            runId,
            at: at(),
            toolCallId: event.toolCallId,
            name: event.toolName,
            isError: event.isError,
            content: event.result?.content ?? [],
            durationMs: now() - startedAt,
          }),
        );
        return;
      }
      default:
        return;
    }
  };
}

/** The text parts of an assistant message, joined. */
function textOf(message: AssistantMessage): string {
  return message.content
    .filter((part) => part.type === "text")
    .map((part) => (part as { text: string }).text)
    .join("");
}
