import { requireAuth } from '../../shared/auth/middleware';
import type { GatewayDeps } from '../../shared/deps';
import { baseAppOptions, createBaseApp, newRouter, type Router } from '../../shared/http/app';
import { type AdminContext, AdminService } from '../../shared/identity/admin-service';
import { capLanes } from '../../shared/ledger/ledger';
import * as p from './purpose-routes';
import * as r from './routes';

/** The admin service over the gateway's dependencies: what the admin API and the local seed both act through. */
export function adminServiceOf(deps: GatewayDeps): AdminService {
  return new AdminService({
    control: deps.control,
    plans: deps.plans,
    purposes: deps.purposes,
    audit: deps.audit,
    keys: deps.keys,
    now: deps.now,
    secretOverlapSeconds: deps.config.SECRET_ROTATION_OVERLAP_SECONDS,
    defaultMonthlyQuota: deps.config.DEFAULT_MONTHLY_QUOTA,
    capLanes: (agencyId, at, limits, lanesBefore) =>
      capLanes(deps.store, deps.tables.ledger, agencyId, at, limits, lanesBefore),
  });
}

/** Everything under /admin: scope `admin`, live credential check, every action audited. */
export function adminRoutes(deps: GatewayDeps): Router {
  const router = newRouter();
  const service = adminServiceOf(deps);
  router.use('/admin/*', requireAuth(deps, { anyOf: ['admin'], liveCheck: true }));
  const ctx = (c: {
    get(key: 'caller'): AdminContext['caller'];
    get(key: 'requestId'): string;
  }): AdminContext => ({
    caller: c.get('caller'),
    requestId: c.get('requestId'),
  });

  router.openapi(r.createAgencyRoute, async (c) =>
    c.json(await service.createAgency(ctx(c), c.req.valid('json')), 201),
  );
  router.openapi(r.listAgenciesRoute, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    return c.json(await service.listAgencies(limit, cursor), 200);
  });
  router.openapi(r.getAgencyRoute, async (c) =>
    c.json(await service.getAgency(c.req.valid('param').id), 200),
  );
  router.openapi(r.updateAgencyRoute, async (c) =>
    c.json(await service.updateAgency(ctx(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );
  router.openapi(r.getEntitlementsRoute, async (c) =>
    c.json({ entitlements: await service.getEntitlements(c.req.valid('param').id) }, 200),
  );
  router.openapi(r.putEntitlementsRoute, async (c) =>
    c.json(
      {
        entitlements: await service.putEntitlements(
          ctx(c),
          c.req.valid('param').id,
          c.req.valid('json').entitlements,
        ),
      },
      200,
    ),
  );
  router.openapi(r.issueCredentialRoute, async (c) => {
    const { credential, clientSecret } = await service.issueCredential(
      ctx(c),
      c.req.valid('param').id,
      c.req.valid('json'),
    );
    return c.json({ ...credential, ...(clientSecret ? { clientSecret } : {}) }, 201, {
      'Cache-Control': 'no-store',
    });
  });
  router.openapi(r.listCredentialsRoute, async (c) =>
    c.json({ items: await service.listCredentials(c.req.valid('param').id) }, 200),
  );
  router.openapi(r.rotateCredentialRoute, async (c) => {
    const body =
      c.req.header('content-length') === '0' || !c.req.header('content-type') ? {} : c.req.valid('json');
    const result = await service.rotateCredential(ctx(c), c.req.valid('param').clientId, body.overlapSeconds);
    return c.json(
      {
        ...result.credential,
        clientSecret: result.clientSecret,
        previousSecretExpiresAt: result.previousSecretExpiresAt,
      },
      200,
      { 'Cache-Control': 'no-store' },
    );
  });
  router.openapi(r.revokeCredentialRoute, async (c) =>
    c.json(await service.revokeCredential(ctx(c), c.req.valid('param').clientId), 200),
  );
  router.openapi(r.savePlanRoute, async (c) =>
    c.json(await service.savePlan(ctx(c), c.req.valid('json')), 201),
  );
  router.openapi(r.listPlansRoute, async (c) => c.json({ items: await service.listPlans() }, 200));
  router.openapi(r.assignPlanRoute, async (c) =>
    c.json(await service.assignPlan(ctx(c), c.req.valid('param').id, c.req.valid('json').planCode), 200),
  );
  router.openapi(r.setBudgetRoute, async (c) => {
    const { capVnd, enforce } = c.req.valid('json');
    const budget = capVnd === null ? null : { capVnd, enforce };
    return c.json(await service.setBudget(ctx(c), c.req.valid('param').id, budget), 200);
  });
  router.openapi(r.rotateSigningKeysRoute, async (c) => c.json(await service.rotateSigningKeys(ctx(c)), 200));
  router.openapi(p.listPurposesRoute, async (c) => c.json({ items: await service.listPurposes() }, 200));
  router.openapi(p.getPurposeRoute, async (c) =>
    c.json(await service.getPurpose(c.req.valid('param').code), 200),
  );
  router.openapi(p.putPurposeRoute, async (c) => {
    const { purpose, created } = await service.putPurpose(
      ctx(c),
      c.req.valid('param').code,
      c.req.valid('json'),
    );
    return created ? c.json(purpose, 201) : c.json(purpose, 200);
  });
  return router;
}

export function createApp(deps: GatewayDeps): Router {
  const app = createBaseApp(baseAppOptions(deps));
  app.route('/', adminRoutes(deps));
  return app;
}
