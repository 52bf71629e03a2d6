import { describe, expect, it } from "vitest";
import { markdownToMrkdwn } from "../../src/agent/slack/mrkdwn.ts";
import { splitForSlack } from "../../src/agent/slack/split-message.ts";
import { createStatusLine } from "../../src/agent/slack/status-line.ts";
import { eventually } from "./support/eventually.ts";

describe("Markdown → Slack mrkdwn", () => {
  it.each([
    ["**bold** and __bold__", "*bold* and *bold*"],
    ["*italic* and _italic_", "_italic_ and _italic_"],
    ["~~gone~~", "~gone~"],
    ["see [the PR](https://github.com/a/b/pull/1)", "see <https://github.com/a/b/pull/1|the PR>"],
    ["# Title", "*Title*"],
    ["### **Already bold**", "*Already bold*"],
    ["- one\n* two\n  - nested", "• one\n• two\n  • nested"],
    ["a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"],
    [
      "ping <@U123> in <#C1> <!here> <https://x.y|x>",
      "ping <@U123> in <#C1> <!here> <https://x.y|x>",
    ],
    ["`**not bold** <tag>`", "`**not bold** <tag>`"],
    ["> quoted **text**", ">quoted *text*"],
    ["**[link](https://a.b) inside**", "*<https://a.b|link> inside*"],
  ])("%j → %j", (markdown, mrkdwn) => {
    expect(markdownToMrkdwn(markdown)).toBe(mrkdwn);
  });

  it("keeps code blocks verbatim (language dropped) and turns tables into code", () => {
    expect(markdownToMrkdwn("```ts\nconst a = **b** < c;\n```\nafter **x**")).toBe(
      "```\nconst a = **b** < c;\n```\nafter *x*",
    );
    expect(markdownToMrkdwn("| a | b |\n|---|---|\n| 1 | 2 |")).toBe(
      "```\n| a | b |\n| 1 | 2 |\n```",
    );
    expect(markdownToMrkdwn("```\nunclosed")).toBe("```\nunclosed\n```");
  });
});

describe("splitting answers for Slack", () => {
  it("keeps short answers whole and splits long ones at paragraph breaks under the limit", () => {
    expect(splitForSlack("short")).toEqual(["short"]);
    const paragraphs = Array.from({ length: 6 }, (_, i) => `${i}`.repeat(900));
    const parts = splitForSlack(paragraphs.join("\n\n"));
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(3500);
    expect(parts.join("\n\n")).toBe(paragraphs.join("\n\n"));
  });

  it("closes and reopens a code block cut in two", () => {
    const code = `\`\`\`\n${Array.from({ length: 400 }, (_, i) => `line ${i}`).join("\n")}\n\`\`\``;
    const parts = splitForSlack(code, 1000);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(1000);
      expect(part.startsWith("```")).toBe(true);
      expect(part.trimEnd().endsWith("```")).toBe(true);
    }
  });

  it("cuts a single unbroken word hard", () => {
    const parts = splitForSlack("x".repeat(8000));
    expect(parts.map((p) => p.length)).toEqual([3496, 3496, 1008]);
  });
});

describe("the status line", () => {
  it("posts the first text at once, then sends only the newest text at most once per interval, and the final text last", async () => {
    const sent: Array<{ kind: string; text: string; at: number }> = [];
    const t0 = performance.now();
    const line = createStatusLine({
      throttleMs: 200,
      post: async (text) => {
        sent.push({ kind: "post", text, at: performance.now() - t0 });
        return "1.1";
      },
      update: async (_ts, text) => {
        sent.push({ kind: "update", text, at: performance.now() - t0 });
      },
    });
    line.set("a");
    for (const text of ["b", "c", "d"]) line.set(text);
    await eventually(() => sent.length >= 2);
    line.set("e");
    expect(await line.finish("done")).toBe("1.1");
    expect(sent.map((s) => `${s.kind}:${s.text}`)).toEqual(["post:a", "update:d", "update:done"]);
    expect(nthAt(sent, 1) - nthAt(sent, 0)).toBeGreaterThanOrEqual(190);
    line.set("late");
    expect(sent).toHaveLength(3);
  });
});

function nthAt(list: Array<{ at: number }>, i: number): number {
  return list[i]?.at ?? Number.NaN;
}
