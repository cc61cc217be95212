import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { GatewayDeps } from '../../shared/deps';
import { baseAppOptions, createBaseApp, newRouter, type Router } from '../../shared/http/app';
import { consoleRoutes } from '../../shared/http/console';
import { docsRoutes } from '../../shared/http/docs';
import { markerKeys } from '../../shared/storage/keys/control';
import { discoveryRoutes } from './discovery';
import { oauthRoutes } from './oauth';
import { healthRoute } from './routes';

/**
 * Public routes: health, API description and documentation, the console, discovery, the token endpoint. The
 * OpenAPI document is handed in: the local host builds it from every area's route definitions, while the token
 * Lambda serves the copy written at build time, so its bundle carries no other area's code.
 */
export function publicRoutes(deps: GatewayDeps, openApiDocument: () => unknown): Router {
  const router = newRouter();
  router.openapi(healthRoute, async (c) => {
    const time = deps.now().toISOString();
    try {
      await deps.store.send(new GetCommand({ TableName: deps.tables.control, Key: markerKeys.health }));
      return c.json({ status: 'ok' as const, store: 'reachable' as const, time }, 200);
    } catch (error) {
      deps.logger.warn('health check: store unreachable', { errorName: (error as Error).name });
      return c.json({ status: 'unavailable' as const, store: 'unreachable' as const, time }, 503);
    }
  });
  router.route('/', docsRoutes(openApiDocument));
  router.route('/', consoleRoutes());
  router.route('/', discoveryRoutes(deps));
  router.route('/', oauthRoutes(deps));
  return router;
}

/** The public function: discovery, documentation and the token endpoint. */
export function createApp(deps: GatewayDeps, openApiDocument: () => unknown): Router {
  const app = createBaseApp(baseAppOptions(deps));
  app.route('/', publicRoutes(deps, openApiDocument));
  return app;
}
