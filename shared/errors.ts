/**
 * Typed domain errors. Domain code throws these; the one error boundary (shared/http/problem.ts) turns
 * them into RFC 9457 problem+json. `title` is a short English summary fixed per type; `detail` is precise.
 */
export interface ProblemFields {
  /** Extra members for the problem body (never secrets or personal data). */
  extensions?: Record<string, unknown>;
  /** Extra response headers (Retry-After, WWW-Authenticate, ...). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  override name = 'AppError';
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail: string,
    fields: ProblemFields = {},
  ) {
    super(detail, { cause: fields.cause });
    this.extensions = fields.extensions ?? {};
    this.headers = fields.headers ?? {};
  }

  get detail(): string {
    return this.message;
  }
}

export class BadRequestError extends AppError {
  override name = 'BadRequestError';
  constructor(detail: string, fields?: ProblemFields) {
    super(400, 'bad-request', 'Bad Request', detail, fields);
  }
}

export class ValidationError extends AppError {
  override name = 'ValidationError';
  constructor(detail: string, errors: { path: string; message: string }[]) {
    super(400, 'validation-error', 'Request validation failed', detail, { extensions: { errors } });
  }
}

export class UnauthorizedError extends AppError {
  override name = 'UnauthorizedError';
  constructor(detail: string, fields?: ProblemFields) {
    super(401, 'unauthorized', 'Unauthorized', detail, fields);
  }
}

export class ForbiddenError extends AppError {
  override name = 'ForbiddenError';
  constructor(detail: string, fields?: ProblemFields) {
    super(403, 'forbidden', 'Forbidden', detail, fields);
  }
}

export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  constructor(detail: string) {
    super(404, 'not-found', 'Not Found', detail);
  }
}

export class ConflictError extends AppError {
  override name = 'ConflictError';
  constructor(detail: string, fields?: ProblemFields) {
    super(409, 'conflict', 'Conflict', detail, fields);
  }
}

export class TooManyRequestsError extends AppError {
  override name = 'TooManyRequestsError';
  constructor(detail: string, retryAfterSeconds: number, fields: ProblemFields = {}) {
    super(429, 'too-many-requests', 'Too Many Requests', detail, {
      ...fields,
      headers: { 'Retry-After': String(retryAfterSeconds), ...fields.headers },
    });
  }
}

export class ServiceUnavailableError extends AppError {
  override name = 'ServiceUnavailableError';
  constructor(detail: string, retryAfterSeconds = 1, fields: ProblemFields = {}) {
    super(503, 'service-unavailable', 'Service Unavailable', detail, {
      ...fields,
      headers: { 'Retry-After': String(retryAfterSeconds), ...fields.headers },
    });
  }
}
