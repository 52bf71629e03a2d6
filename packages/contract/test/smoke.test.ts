import { expect, it } from "vitest";

it("runs", () => {
  expect(typeof crypto.subtle.sign).toBe("function");
});
