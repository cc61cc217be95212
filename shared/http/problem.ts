import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { AppError, ValidationError } from '../errors';
import { errorFields, type Logger } from '../log';
import { isDependencyUnavailable } from '../storage/errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const slugs: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  413: 'content-too-large',
  415: 'unsupported-media-type',
  500: 'internal-error',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  [extension: string]: unknown;
}

/** Problem type URIs are relative to the gateway and documented in /docs. */
export const problemType = (slug: string) => `/problems/${slug}`;

/** Writes an RFC 9457 problem+json response. Every error the gateway answers goes through here. */
export function problemResponse(
  c: Context,
  status: number,
  fields: { slug?: string; title?: string; detail: string; extensions?: Record<string, unknown> },
  headers: Record<string, string> = {},
  contentType = PROBLEM_CONTENT_TYPE,
): Response {
  const requestId = (c.get('requestId') as string | undefined) ?? '';
  const body: Problem = {
    ...fields.extensions,
    type: problemType(fields.slug ?? slugs[status] ?? `http-${status}`),
    title: fields.title ?? titles[status] ?? 'Error',
    status,
    detail: fields.detail,
    instance: c.req.path,
    requestId,
  };
  return c.newResponse(JSON.stringify(body), status as ContentfulStatusCode, {
    ...headers,
    'Content-Type': contentType,
    'Cache-Control': 'no-store',
  });
}

/** Turns a thrown value into problem+json. Unknown errors are logged and answered with a bare 500. */
export function createErrorHandler(logger: Logger): ErrorHandler {
  return function errorHandler(err, c) {
    if (err instanceof AppError) {
      return problemResponse(
        c,
        err.status,
        { slug: err.slug, title: err.title, detail: err.detail, extensions: err.extensions },
        err.headers,
        err.contentType,
      );
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const detail = describeHttpException(status, err.message);
      return problemResponse(c, status, { detail });
    }
    if (isDependencyUnavailable(err)) {
      logger.warn('dependency unavailable', {
        requestId: c.get('requestId'),
        route: c.req.routePath,
        errorName: err.name,
      });
      return problemResponse(
        c,
        503,
        { detail: 'A gateway dependency is unavailable; nothing was served or billed. Retry shortly.' },
        { 'Retry-After': '1' },
      );
    }
    logger.error('unhandled error', {
      requestId: c.get('requestId'),
      route: c.req.routePath,
      method: c.req.method,
      ...errorFields(err),
    });
    return problemResponse(c, 500, { detail: 'The gateway could not complete the request.' });
  };
}

function describeHttpException(status: number, message: string): string {
  if (status === 413) return 'The request body is larger than the gateway accepts.';
  if (status === 400 && /json/i.test(message)) return 'The request body is not valid JSON.';
  if (status === 400 && message) return message;
  return titles[status] ?? 'Request failed.';
}

export const notFoundHandler: NotFoundHandler = (c) =>
  problemResponse(c, 404, { detail: `No route matches ${c.req.method} ${c.req.path}.` });

/** Maps zod issues to a ValidationError with a precise detail naming each bad field. */
export function toValidationError(error: ZodError, where: string): ValidationError {
  const errors = error.issues.slice(0, 20).map((issue) => {
    const params = issueParams(issue as unknown as Record<string, unknown>);
    return {
      path: issue.path.map(String).join('.') || where,
      message: issue.message,
      code: issue.code,
      ...(Object.keys(params).length ? { params } : {}),
    };
  });
  const detail = errors.map((e) => `${e.path}: ${e.message}`).join('; ');
  return new ValidationError(`Invalid ${where}: ${detail}`, errors);
}

/** The members of a zod issue a client needs to word it in its own language (limits, format, allowed keys). */
const ISSUE_PARAMS = ['origin', 'minimum', 'maximum', 'inclusive', 'format', 'divisor', 'expected', 'keys'];
function issueParams(issue: Record<string, unknown>): Record<string, string | number | boolean | string[]> {
  const params: Record<string, string | number | boolean | string[]> = {};
  for (const name of ISSUE_PARAMS) {
    const value = issue[name];
    if (typeof value === 'string' || typeof value === 'boolean') params[name] = value;
    // An infinite limit is no limit worth naming; a bigint one is sent as text.
    else if (typeof value === 'number' && Number.isFinite(value)) params[name] = value;
    else if (typeof value === 'bigint') params[name] = String(value);
    else if (Array.isArray(value)) params[name] = value.map(String).slice(0, 20);
  }
  // A custom rule names itself in its params (`refine(fn, { message, params: { rule: 'tiers-ascending' } })`).
  const rule = (issue.params as { rule?: unknown } | undefined)?.rule;
  if (issue.code === 'custom' && typeof rule === 'string') params.rule = rule;
  return params;
}
