import { adminRoutes } from '../functions/admin/app';
import { auditRoutes } from '../functions/audit/app';
import { billingRoutes } from '../functions/billing/app';
import { registryRoutes } from '../functions/registry/app';
import { publicRoutes } from '../functions/token/app';
import { buildOpenApiDocument } from '../functions/token/openapi';
import type { GatewayDeps } from '../shared/deps';
import { baseAppOptions, createBaseApp, type Router } from '../shared/http/app';

/** Every area's routes on one app: the local host serves the whole gateway on one port. */
export function createGatewayApp(deps: GatewayDeps): Router {
  const app = createBaseApp(baseAppOptions(deps));
  app.route(
    '/',
    publicRoutes(deps, () => buildOpenApiDocument(deps.config.TOKEN_ISSUER)),
  );
  app.route('/', adminRoutes(deps));
  app.route('/', registryRoutes(deps));
  app.route('/', auditRoutes(deps));
  app.route('/', billingRoutes(deps));
  return app;
}
