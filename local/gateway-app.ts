import { composeAreas } from '../functions/areas';
import { buildOpenApiDocument } from '../functions/token/openapi';
import type { GatewayDeps } from '../shared/deps';
import { baseAppOptions, createBaseApp, type Router } from '../shared/http/app';

/** Every area's routes on one app (functions/areas.ts): the local host serves the whole gateway on one port. */
export function createGatewayApp(deps: GatewayDeps): Router {
  const app = createBaseApp(baseAppOptions(deps));
  app.route(
    '/',
    composeAreas(deps, () => buildOpenApiDocument(deps.config.TOKEN_ISSUER, deps)),
  );
  return app;
}
