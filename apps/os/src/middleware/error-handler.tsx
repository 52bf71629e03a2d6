/**
 * The platform's one error mapping point (STYLE.md 7). `errorHandler()` is the app's `onError`,
 * `notFoundHandler()` its `notFound`. API clients get `{"error":{"code","message"}}`; people in a
 * browser get the same message on an error page. Errors are mapped by type, never by text; at
 * 5xx only messages written for users are shown, and every such error is logged (error-log.ts).
 */
import { AppError, type ErrorCode, errorBody } from "@iterate/contract";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ErrorPage } from "../ui/pages/error-page.tsx";
import { describeError, isExposed } from "./error-log.ts";

const HTTP_STATUS_CODES: Record<number, ErrorCode> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

const PAGE_TITLES: Record<number, string> = {
  401: "Please log in",
  403: "That did not work",
  404: "Page not found",
};

/** JSON for API paths and clients that ask for it; HTML for the dashboard. */
function wantsJson(c: Context): boolean {
  const path = new URL(c.req.url).pathname;
  if (path.startsWith("/api/") || path.startsWith("/edge/")) return true;
  const accept = c.req.header("accept") ?? "";
  return accept.includes("application/json") && !accept.includes("text/html");
}

function respond(
  c: Context,
  status: number,
  code: ErrorCode,
  message: string,
): Response | Promise<Response> {
  const s = status as ContentfulStatusCode;
  if (wantsJson(c)) return c.json(errorBody(code, message), s);
  const title =
    PAGE_TITLES[status] ?? (status >= 500 ? "Something went wrong" : "That did not work");
  return c.html(<ErrorPage status={status} title={title} message={message} />, s);
}

/** The one answer to anything unexpected: the client learns nothing internal. */
const GENERIC_MESSAGE = "Something went wrong on our side. Please try again.";

/** The capability segment of a machine-UI path (routes/machine-ui.tsx). */
const MACHINE_UI_CAPABILITY = /(\/machine-ui\/)[^/]+/;

/**
 * Every error at 5xx is logged (without secrets, error-log.ts); its message reaches the client
 * only when it was written for users ({@link isExposed}), e.g. `machine_not_ready`.
 * @example app.onError(errorHandler());
 */
export function errorHandler(): ErrorHandler {
  return function errorHandler(err, c) {
    const status = err instanceof AppError || err instanceof HTTPException ? err.status : 500;
    if (status >= 500) {
      const log = isExposed(err) ? console.warn : console.error;
      log("request failed", {
        method: c.req.method,
        // The path only (query strings can carry OAuth codes and states), without the
        // machine-UI capability: it opens that page to whoever holds it.
        path: new URL(c.req.url).pathname.replace(MACHINE_UI_CAPABILITY, "$1…"),
        status,
        error: describeError(err),
      });
    }
    if (isExposed(err)) return respond(c, err.status, err.code, err.message);
    if (status >= 500) return respond(c, 500, "internal_error", GENERIC_MESSAGE);
    if (err instanceof HTTPException) {
      const code = HTTP_STATUS_CODES[err.status] ?? "bad_request";
      return respond(c, err.status, code, err.message || "The request could not be handled.");
    }
    // An `internal_error` AppError below 500 is a programming mistake; still say nothing.
    return respond(c, 500, "internal_error", GENERIC_MESSAGE);
  };
}

/**
 * @example app.notFound(notFoundHandler());
 */
export function notFoundHandler(): NotFoundHandler {
  return function notFound(c) {
    return respond(c, 404, "not_found", "There is nothing at this address.");
  };
}
