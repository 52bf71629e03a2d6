import { AppError, errorBody } from "@iterate/contract";
import type { ErrorHandler } from "hono";

/**
 * The service's single `onError` (STYLE 7): an `AppError` answers its code and status; anything
 * else is a bug, logged and answered `500 internal_error` without details.
 *
 * @example
 * app.onError(localSandboxErrorHandler({ log: console.error }));
 */
export function localSandboxErrorHandler(options: { log: (line: string) => void }): ErrorHandler {
  return function localSandboxErrorHandler(error, c) {
    if (error instanceof AppError) {
      return c.json(errorBody(error.code, error.message), error.status as 400);
    }
    options.log(
      `local-sandbox: ${c.req.method} ${c.req.path} failed: ${error.stack ?? error.message}`,
    );
    return c.json(errorBody("internal_error", "Internal error"), 500);
  };
}
