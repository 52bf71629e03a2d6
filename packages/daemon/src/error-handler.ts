import { AppError, errorBody } from "@iterate/contract";
import type { ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";

/**
 * The daemon app's single `onError` (STYLE 7): an `AppError` answers its code and status;
 * anything else is a bug, logged and answered `500 internal_error` without details.
 *
 * @example
 * app.onError(daemonErrorHandler({ log: console.error }));
 */
export function daemonErrorHandler(options: { log?: (line: string) => void } = {}): ErrorHandler {
  const log = options.log ?? ((line: string) => console.error(line));
  return function daemonErrorHandler(error, c) {
    if (error instanceof AppError) {
      return c.json(errorBody(error.code, error.message), error.status as 400);
    }
    if (error instanceof HTTPException && error.status === 413) {
      return c.json(errorBody("payload_too_large", "Request body is too large"), 413);
    }
    log(`daemon: ${c.req.method} ${c.req.path} failed: ${error.stack ?? error.message}`);
    return c.json(errorBody("internal_error", "Internal error"), 500);
  };
}
