/**
 * Typed domain errors. Domain code throws these; the one error boundary (shared/http/problem.ts) turns
 * them into RFC 9457 problem+json. `title` is a short English summary fixed per type; `detail` is precise.
 */
export interface ProblemFields {
  /** Extra members for the problem body (never secrets or personal data). */
  extensions?: Record<string, unknown>;
  /** Extra response headers (Retry-After, WWW-Authenticate, ...). */
  headers?: Record<string, string>;
  /** Only the OAuth token endpoint overrides it: RFC 6749 clients expect application/json. */
  contentType?: string;
  cause?: unknown;
}

export class AppError extends Error {
  override name = 'AppError';
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;
  readonly contentType: string | undefined;

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
    this.contentType = fields.contentType;
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

/**
 * One invalid field of a validation problem: its JSON path, the English message, and for clients that word it
 * themselves (the console, in Vietnamese) the zod issue code with the limits that code names.
 */
export interface FieldError {
  path: string;
  message: string;
  code?: string;
  params?: Record<string, string | number | boolean | string[]>;
}

export class ValidationError extends AppError {
  override name = 'ValidationError';
  constructor(detail: string, errors: FieldError[]) {
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

/**
 * The token is still valid (RFC 6750: no `invalid_token`, a new one would be refused too) but its agency is
 * suspended: access is forbidden until an admin reactivates it.
 */
export class AgencySuspendedError extends AppError {
  override name = 'AgencySuspendedError';
  constructor(agencyId: string) {
    super(
      403,
      'agency-suspended',
      'Agency suspended',
      `Agency ${agencyId} is suspended: its calls are refused until a platform admin reactivates it.`,
      { extensions: { agencyId } },
    );
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

/** An admin action that would leave no active credential holding `admin`: nobody could administer the gateway. */
export class LastAdminCredentialError extends AppError {
  override name = 'LastAdminCredentialError';
  constructor(detail: string) {
    super(409, 'last-admin-credential', 'Last admin credential', detail);
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

export class PaymentRequiredError extends AppError {
  override name = 'PaymentRequiredError';
  constructor(detail: string, fields?: ProblemFields) {
    super(402, 'budget-exhausted', 'Budget Exhausted', detail, fields);
  }
}

export class BadGatewayError extends AppError {
  override name = 'BadGatewayError';
  constructor(detail: string, fields?: ProblemFields) {
    super(502, 'bad-gateway', 'Bad Gateway', detail, fields);
  }
}

export class GatewayTimeoutError extends AppError {
  override name = 'GatewayTimeoutError';
  constructor(detail: string, fields?: ProblemFields) {
    super(504, 'gateway-timeout', 'Gateway Timeout', detail, fields);
  }
}

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope';

/**
 * A token-endpoint error (RFC 6749 section 5.2): `error` and `error_description` for OAuth clients, with the
 * problem members beside them, as application/json.
 */
export class OAuthError extends AppError {
  override name = 'OAuthError';
  constructor(
    readonly code: OAuthErrorCode,
    description: string,
    headers: Record<string, string> = {},
  ) {
    super(
      code === 'invalid_client' ? 401 : 400,
      `oauth-${code.replace(/_/g, '-')}`,
      oauthTitles[code],
      description,
      {
        extensions: { error: code, error_description: description },
        headers,
        contentType: 'application/json',
      },
    );
  }
}

const oauthTitles: Record<OAuthErrorCode, string> = {
  invalid_request: 'Invalid token request',
  invalid_client: 'Client authentication failed',
  invalid_grant: 'Invalid grant',
  unauthorized_client: 'Client not authorized for this grant',
  unsupported_grant_type: 'Unsupported grant type',
  invalid_scope: 'Invalid scope',
};
