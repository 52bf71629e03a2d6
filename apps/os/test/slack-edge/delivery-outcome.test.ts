import { describe, expect, it } from "vitest";
import { MAX_EVENT_FAULTS, retryDelayMs, settlement } from "../../src/slack/delivery-outcome.ts";
import { MACHINE_MESSAGE_MAX, machineAnswered } from "../../src/slack/outbox-delivery.ts";

const fault = {
  kind: "faulted",
  error: "The machine answered 500 internal_error: Internal error",
} as const;

describe("what a delivery attempt means for its row", () => {
  it("counts 500s and sets the row aside at the MAX_EVENT_FAULTS-th", () => {
    expect(settlement(fault, 0)).toEqual({
      outcome: { kind: "retry", error: fault.error },
      faults: 1,
    });
    expect(settlement(fault, MAX_EVENT_FAULTS - 1)).toEqual({
      outcome: {
        kind: "rejected",
        error: `${fault.error} — ${MAX_EVENT_FAULTS} times, so the event was set aside and the ones behind it go on`,
      },
      faults: MAX_EVENT_FAULTS,
    });
  });

  it("keeps the count through a time-out or a machine not ready (a daemon failing and restarting)", () => {
    const timedOut = { kind: "retry", error: "The machine did not answer within 10 s." } as const;
    expect(settlement(timedOut, 3)).toEqual({ outcome: timedOut, faults: 3 });
    expect(settlement(fault, settlement(timedOut, MAX_EVENT_FAULTS - 1).faults).outcome.kind).toBe(
      "rejected",
    );
  });

  it("needs no count once the row is settled", () => {
    expect(settlement({ kind: "delivered", duplicate: false }, 3).faults).toBe(0);
    expect(settlement({ kind: "rejected", error: "400" }, 3).faults).toBe(0);
    expect(settlement({ kind: "dropped", reason: "moved" }, 3).faults).toBe(0);
  });

  it("backs off 1 s, 2 s, 4 s … up to 30 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(retryDelayMs)).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
    ]);
  });
});

describe("a machine's error answer, as the platform's pages show it", () => {
  it("quotes the machine's own code and message, cut short", () => {
    const said = machineAnswered(500, {
      error: {
        code: "internal_error",
        message: `Session expired, sign in at evil.example ${"x".repeat(1000)}`,
      },
    });
    expect(said).toMatch(
      /^The machine answered 500 internal_error: "Session expired, sign in at evil\.example x+…"$/,
    );
    expect(said.length).toBeLessThan(MACHINE_MESSAGE_MAX + 60);
  });

  it("says only the status when the answer is not an error body", () => {
    expect(machineAnswered(502, "<html>Bad gateway</html>")).toBe("The machine answered 502");
  });
});
