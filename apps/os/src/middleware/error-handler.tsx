/**
 * The platform's one error mapping point (STYLE.md 7). `errorHandler()` is the app's `onError`,
 * `notFoundHandler()` its `notFound`. API clients get `{"error":{"code","message"}}`; people in a
 * browser get the same message on an error page. Errors are mapped by type, never by text.
 */
import { AppError, type ErrorCode, errorBody } from "@iterate/contract";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ErrorPage } from "../ui/pages/error-page.tsx";

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

/**
 * @example app.onError(errorHandler());
 */
export function errorHandler(): ErrorHandler {
  return function errorHandler(err, c) {
    if (err instanceof AppError) return respond(c, err.status, err.code, err.message);
    if (err instanceof HTTPException) {
      const code =
        HTTP_STATUS_CODES[err.status] ?? (err.status >= 500 ? "internal_error" : "bad_request");
      return respond(c, err.status, code, err.message || "The request could not be handled.");
    }
    // Unexpected: log the type and stack for operators; the client learns nothing internal.
    console.error("unhandled error", err instanceof Error ? err.stack : String(err));
    return respond(c, 500, "internal_error", "Something went wrong on our side. Please try again.");
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
