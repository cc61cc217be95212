import { OpenAPIHono } from '@hono/zod-openapi';
import { adminRoutes } from '../admin/routes';
import { auditRoutes } from '../audit/routes';
import { billingRoutes } from '../billing/routes';
import { registryRoutes } from '../registry/routes';
import { jwksRoute, metadataRoute } from './discovery';
import { tokenRoute } from './oauth';
import { healthRoute } from './routes';

/** Every route of every area, so the one document describes the whole gateway whichever host serves it. */
const allRoutes = [
  healthRoute,
  metadataRoute,
  jwksRoute,
  tokenRoute,
  ...registryRoutes,
  ...adminRoutes,
  ...auditRoutes,
  ...billingRoutes,
];

export function buildOpenApiDocument(serverUrl: string) {
  const app = new OpenAPIHono();
  const registry = app.openAPIRegistry;
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token from POST /oauth/token (client credentials grant).',
  });
  for (const route of allRoutes) registry.registerPath(route);
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
