import { loadConfig } from '../shared/config';
import { assembleDeps, type GatewayDeps } from '../shared/deps';
import { newRouter, type Router } from '../shared/http/app';
import { createLogger } from '../shared/log';
import { createStoreClient } from '../shared/storage/client';
import { adminRoutes } from './admin/app';
import { auditRoutes } from './audit/app';
import { billingRoutes } from './billing/app';
import { registryRoutes } from './registry/app';
import { publicRoutes } from './token/app';

/**
 * The gateway's areas, each the routes one Lambda function serves: the one list the local host composes, the
 * OpenAPI document describes (functions/token/openapi.ts reads it from the composed routers, so an operation
 * cannot drop out of it) and the API stack routes to each function (areaResources). A new area is one line.
 */
export const areas = {
  token: (deps: GatewayDeps, openApiDocument: () => unknown) => publicRoutes(deps, openApiDocument),
  admin: (deps: GatewayDeps) => adminRoutes(deps),
  registry: (deps: GatewayDeps) => registryRoutes(deps),
  audit: (deps: GatewayDeps) => auditRoutes(deps),
  billing: (deps: GatewayDeps) => billingRoutes(deps),
} as const;

export type AreaName = keyof typeof areas;

/** Every area on one router, in the order above. */
export function composeAreas(deps: GatewayDeps, openApiDocument: () => unknown): Router {
  const router = newRouter();
  for (const name of Object.keys(areas) as AreaName[]) router.route('/', areas[name](deps, openApiDocument));
  return router;
}

/**
 * Deps to build the routers with when nothing will be served (describing them at build or synth time): the
 * routers are only registered, so no store is called, no key is read and nothing is logged.
 */
export function describingDeps(): GatewayDeps {
  const config = loadConfig({});
  return assembleDeps({
    config,
    logger: createLogger('silent'),
    store: createStoreClient({ region: config.AWS_REGION }),
  });
}

/**
 * The API Gateway resources of each area, from the paths its router registers: a one-segment path as it is
 * (`/health`, `/me`), anything deeper as its first segment's proxy (`/v1/{proxy+}`). Two areas claiming one
 * resource is a mistake, refused here rather than routed to whichever the stack lists first.
 */
export function areaResources(deps: GatewayDeps = describingDeps()): Record<AreaName, string[]> {
  const owner = new Map<string, AreaName>();
  const resources = {} as Record<AreaName, string[]>;
  for (const name of Object.keys(areas) as AreaName[]) {
    const found = new Set<string>();
    for (const { path } of areas[name](deps, () => ({})).routes) {
      const segments = path.split('/').filter(Boolean);
      const first = segments[0];
      // Middleware on every path ('*', '/*') belongs to no resource of its own.
      if (!first || first === '*') continue;
      found.add(segments.length === 1 ? `/${first}` : `/${first}/{proxy+}`);
    }
    for (const resource of found) {
      const other = owner.get(resource);
      if (other && other !== name) throw new Error(`${resource} is routed by both ${other} and ${name}`);
      owner.set(resource, name);
    }
    resources[name] = [...found].sort();
  }
  return resources;
}
