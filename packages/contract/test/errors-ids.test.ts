import { describe, expect, it } from "vitest";
import {
  AppError,
  DEFAULT_ERROR_STATUS,
  ERROR_CODES,
  errorBody,
  errorBodySchema,
  isErrorCode,
  isId,
  randomId,
  VERIFY_FAILURE_CODES,
  VERIFY_FAILURE_MESSAGES,
} from "../src/index.ts";

describe("error codes", () => {
  it("include every code the issue names and every signing failure code", () => {
    const required = [
      "bad_request",
      "invalid_json",
      "validation_failed",
      "unauthorized",
      "not_found",
      "conflict",
      "payload_too_large",
      "unsupported_media_type",
      "reserved_name",
      "limit_exceeded",
      "machine_not_ready",
      "upstream_error",
      "internal_error",
      ...VERIFY_FAILURE_CODES,
    ];
    for (const code of required) expect(ERROR_CODES).toContain(code);
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });

  it("give every signing failure a human message", () => {
    for (const code of VERIFY_FAILURE_CODES)
      expect(VERIFY_FAILURE_MESSAGES[code]).toMatch(/^Request /);
  });

  it("give every code a default HTTP status", () => {
    for (const code of ERROR_CODES) expect(DEFAULT_ERROR_STATUS[code]).toBeGreaterThanOrEqual(400);
    for (const code of VERIFY_FAILURE_CODES) expect(DEFAULT_ERROR_STATUS[code]).toBe(401);
  });
});

describe("error bodies", () => {
  it("builds {error:{code,message}} that the schema accepts", () => {
    const body = errorBody("not_found", "No such machine");
    expect(body).toEqual({ error: { code: "not_found", message: "No such machine" } });
    expect(errorBodySchema.parse(JSON.parse(JSON.stringify(body)))).toEqual(body);
  });

  it("rejects codes outside the closed union and missing messages", () => {
    expect(errorBodySchema.safeParse({ error: { code: "teapot", message: "x" } }).success).toBe(
      false,
    );
    expect(errorBodySchema.safeParse({ error: { code: "not_found" } }).success).toBe(false);
    expect(isErrorCode("teapot")).toBe(false);
    expect(isErrorCode("conflict")).toBe(true);
  });
});

describe("AppError", () => {
  it("carries code and explicit status", () => {
    const error = new AppError("conflict", "Name taken", 409);
    expect(error).toBeInstanceOf(Error);
    expect([error.code, error.status, error.message, error.name]).toEqual([
      "conflict",
      409,
      "Name taken",
      "AppError",
    ]);
  });

  it("falls back to the code's default status", () => {
    expect(new AppError("machine_not_ready", "No machine").status).toBe(503);
  });
});

describe("randomId", () => {
  it("is the prefix, an underscore and 20 characters of [0-9a-z]", () => {
    for (let i = 0; i < 200; i++) {
      const id = randomId("usr");
      expect(id).toMatch(/^usr_[0-9a-z]{20}$/);
      expect(isId("usr", id)).toBe(true);
      expect(isId("mch", id)).toBe(false);
    }
  });

  it("does not repeat and uses the whole alphabet", () => {
    const ids = Array.from({ length: 2000 }, () => randomId("x"));
    expect(new Set(ids).size).toBe(ids.length);
    const seen = new Set(ids.join("").replace(/x_/g, ""));
    expect(seen.size).toBe(36);
  });
});
