import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { AuthVariables } from '../auth/middleware';
import type { Config } from '../config';
import type { Logger } from '../log';
import { createErrorHandler, notFoundHandler, problemResponse, toValidationError } from './problem';

export interface AppEnv {
  Variables: AuthVariables & { requestId: string };
}

export type Router = OpenAPIHono<AppEnv>;

const targetNames: Record<string, string> = {
  json: 'body',
  form: 'form body',
  query: 'query',
  param: 'path',
  header: 'headers',
  cookie: 'cookies',
};

/** A router whose request validation failures become problem+json (never the raw ZodError). */
export function newRouter(): Router {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw toValidationError(result.error, targetNames[result.target] ?? result.target);
    },
  });
}

export interface BaseAppOptions {
  logger: Logger;
  maxBodyBytes: number;
  /** Total request header bytes accepted (431 above); see HEADER_LIMIT_BYTES. */
  headerLimitBytes?: number | undefined;
  /** Browser origins allowed by CORS; none (the default) sends no CORS header at all. */
  corsAllowedOrigins?: readonly string[] | undefined;
}

/** The base app's options from the configuration, so every function and the local host apply the same limits. */
export const baseAppOptions = (deps: {
  logger: Logger;
  config: Pick<Config, 'MAX_BODY_BYTES' | 'HEADER_LIMIT_BYTES' | 'CORS_ALLOWED_ORIGINS'>;
}): BaseAppOptions => ({
  logger: deps.logger,
  maxBodyBytes: deps.config.MAX_BODY_BYTES,
  headerLimitBytes: deps.config.HEADER_LIMIT_BYTES,
  corsAllowedOrigins: deps.config.CORS_ALLOWED_ORIGINS,
});

const DEFAULT_HEADER_LIMIT_BYTES = 10_240;

/** Headers a browser client sends and may read; everything else stays hidden from cross-origin scripts. */
const corsRequestHeaders = [
  'Authorization',
  'Content-Type',
  'Accept',
  'X-Purpose',
  'X-Officer-Id',
  'X-Case-Id',
  'Idempotency-Key',
];
const corsResponseHeaders = [
  'X-Request-Id',
  'RateLimit',
  'RateLimit-Policy',
  'X-Quota-Remaining',
  'X-Audit-Leaf',
  'Retry-After',
  'Idempotent-Replayed',
  'X-Next-Cursor',
];

/**
 * The gateway's outer shell, the same for every Lambda and the local host: request id, security headers,
 * body limit, access log, 404/405 and the one error boundary. Area routes are mounted on it with `app.route`.
 */
export function createBaseApp({
  logger,
  maxBodyBytes,
  headerLimitBytes = DEFAULT_HEADER_LIMIT_BYTES,
  corsAllowedOrigins = [],
}: BaseAppOptions): Router {
  const app = newRouter();
  // The gateway always mints its own request id: it keys the ledger, so a caller must not choose it.
  app.use(requestId({ headerName: '', generator: () => crypto.randomUUID() }));
  app.use(async function exposeRequestId(c, next) {
    await next();
    c.res.headers.set('X-Request-Id', c.get('requestId'));
  });
  app.use(accessLog(logger));
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
      },
      crossOriginResourcePolicy: 'same-origin',
      // A route may send a stricter header of its own (the console's Content-Security-Policy).
      overwrite: false,
    }),
  );
  app.use(headerLimit(headerLimitBytes));
  if (corsAllowedOrigins.length) app.use(allowOrigins(corsAllowedOrigins));
  app.use(
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) =>
        problemResponse(c, 413, {
          detail: `The request body is larger than the ${maxBodyBytes} bytes the gateway accepts.`,
        }),
    }),
  );
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        problemResponse(
          c,
          405,
          { detail: `${c.req.method} is not allowed here; use ${methods.join(', ')}.` },
          { Allow: methods.join(', ') },
        ),
    }),
  );
  app.onError(createErrorHandler(logger));
  app.notFound(notFoundHandler);
  return app;
}

/** Refuses a request whose header names and values together exceed `limit` bytes (431 problem+json). */
function headerLimit(limit: number): MiddlewareHandler<AppEnv> {
  return async function headerLimit(c, next) {
    let bytes = 0;
    // As on the wire: "name: value" and CRLF per header.
    c.req.raw.headers.forEach((value, name) => {
      bytes += Buffer.byteLength(name) + Buffer.byteLength(value) + 4;
    });
    if (bytes > limit) {
      return problemResponse(c, 431, {
        slug: 'request-header-fields-too-large',
        detail: `The request headers total ${bytes} bytes; the gateway accepts at most ${limit}.`,
      });
    }
    await next();
  };
}

/**
 * CORS for the configured origins only. A request from any other origin (or none) goes through without a
 * single Access-Control-* header, preflights included, so a browser refuses it.
 */
function allowOrigins(origins: readonly string[]): MiddlewareHandler<AppEnv> {
  const allowed = new Set(origins);
  const withCors = cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: corsRequestHeaders,
    exposeHeaders: corsResponseHeaders,
    maxAge: 600,
  });
  return async function allowOrigins(c, next) {
    const origin = c.req.header('Origin');
    if (origin && allowed.has(origin)) return withCors(c, next);
    await next();
    // The answer depends on Origin: a shared cache must not hand one origin's answer to another.
    c.header('Vary', 'Origin', { append: true });
  };
}

/**
 * One line per request. It logs the route pattern, not the raw path: a path can hold a national ID.
 */
function accessLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function accessLog(c: Context<AppEnv>, next) {
    const started = performance.now();
    await next();
    logger.info('request', {
      requestId: c.get('requestId'),
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      clientId: c.get('caller')?.clientId,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  };
}
