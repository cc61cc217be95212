import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { Logger } from '../log';
import { createErrorHandler, notFoundHandler, problemResponse, toValidationError } from './problem';

/** Who is calling, once a bearer token has been verified. */
export interface Caller {
  clientId: string;
  agencyId: string;
  scopes: string[];
  /** The token's own claims, for policy the token carries (see shared/auth). */
  claims: Record<string, unknown>;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    caller: Caller;
  };
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
}

/**
 * The gateway's outer shell, the same for every Lambda and the local host: request id, security headers,
 * body limit, access log, 404/405 and the one error boundary. Area routes are mounted on it with `app.route`.
 */
export function createBaseApp({ logger, maxBodyBytes }: BaseAppOptions): Router {
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
    }),
  );
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
