import { describe, expect, it } from "vitest";
import { statusOfToolCall } from "../../src/agent/loop/status-text.ts";

describe("statusOfToolCall: the thread's status line for a tool call", () => {
  it("names an MCP tool and its server, splitting only at the server's separator", () => {
    expect(statusOfToolCall("fx__echo", {})).toBe("using echo of fx");
    // The tool's own name may hold `__`; the server's never does.
    expect(statusOfToolCall("fx__get__item", {})).toBe("using get__item of fx");
    expect(statusOfToolCall("mystery", {})).toBe("using mystery");
  });
});
