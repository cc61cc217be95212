import { OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { GatewayDeps } from '../../shared/deps';
import { BOUNDARY_STATUSES, problemResponses } from '../../shared/http/openapi';
import { type Operation, SCOPES, type Scope } from '../../shared/identity/model';
import { composeAreas, describingDeps } from '../areas';
import { registryOperations } from '../registry/routes';
import { tokenRoute } from './oauth';

/** What each scope lets a token do, for the Authorize dialog of /docs: a new scope fails the type check until described. */
export const scopeDescriptions: Record<Scope, string> = {
  // The operations' own, from the registry's table of operations.
  ...(Object.fromEntries(registryOperations.map(({ operation, scope }) => [operation, scope])) as Record<
    Operation,
    string
  >),
  'self:read': "Read your own agency's plan, usage, statements and calls under /me (any agency)",
  admin: 'Administer agencies, credentials, entitlements, plans and signing keys (operator only)',
  'billing:read': 'Read usage, statements, budgets and reversals of every agency (operator only)',
  'billing:close': 'Close billing periods and refund calls, besides reading billing (operator only)',
  'audit:read': 'Read the audit trail and its inclusion and consistency proofs (operator only)',
};

/**
 * The document of the whole gateway, read from the routers every area serves (functions/areas.ts), so an
 * operation a router serves is in it and one it does not serve is not. The routers are built, never called.
 */
export function buildOpenApiDocument(serverUrl: string, deps: GatewayDeps = describingDeps()) {
  const app = new OpenAPIHono();
  app.route(
    '/',
    composeAreas(deps, () => ({})),
  );
  const registry = app.openAPIRegistry;
  for (const definition of registry.definitions) {
    if (definition.type === 'route') definition.route = withBoundaryResponses(definition.route);
  }
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token from POST /oauth/token (client credentials grant), pasted as is.',
  });
  registry.registerComponent('securitySchemes', 'oauth2', {
    type: 'oauth2',
    description:
      "Your agency's client id and secret: the client fetches its own token from /oauth/token (HTTP Basic). " +
      'Ask for the scopes you need, or for none to get every scope the credential and the agency hold.',
    flows: {
      clientCredentials: {
        tokenUrl: `${serverUrl.replace(/\/+$/, '')}/oauth/token`,
        scopes: Object.fromEntries(SCOPES.map((scope) => [scope, scopeDescriptions[scope]])),
      },
    },
  });
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'National Data Gateway',
      version: '1.0.0',
      description:
        'One authenticated, metered door to the national population and business registers. ' +
        'Errors are RFC 9457 problem+json; every response carries X-Request-Id.',
    },
    servers: [{ url: serverUrl }],
  });
}

/**
 * The route's own responses, and those it gives whatever its handler does: the outer shell's on any route (see
 * BOUNDARY_STATUSES), and a 415 where the route validator gates the body's media type (every route served with
 * `router.openapi` that takes a body; the token endpoint parses its form itself, and answers 400 invalid_request).
 */
function withBoundaryResponses(route: RouteConfig): RouteConfig {
  const gated = route.request?.body !== undefined && route.operationId !== tokenRoute.operationId;
  const statuses = gated ? [...BOUNDARY_STATUSES, 415] : BOUNDARY_STATUSES;
  return { ...route, responses: { ...problemResponses(...statuses), ...route.responses } };
}
