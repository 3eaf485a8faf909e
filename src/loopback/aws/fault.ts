/**
 * An error answer of the loopback AWS endpoint, in the shape AWS's JSON protocols use: the
 * error code goes to the `X-Amzn-ErrorType` header and the body's `__type`, the message to the
 * body's `message` (and `Message`, which some services' SDK models read).
 */
export class AwsFault extends Error {
  constructor(
    /** The error code as AWS names it, e.g. `ServiceNotFoundException`, `AccessDeniedException`. */
    readonly code: string,
    message: string,
    /** HTTP status: 400 for most client errors, 403 for Lambda's AccessDeniedException, 404 for not found on REST APIs, 5xx for faults. */
    readonly httpStatus = 400,
    /** Extra members of the error body (modeled error fields, e.g. `{ reason: 'MISSING' }`). */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = code;
  }
}

export function isAwsFault(err: unknown): err is AwsFault {
  return err instanceof AwsFault;
}
