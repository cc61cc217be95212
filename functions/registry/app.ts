import type { Context } from 'hono';
import { requireAuth } from '../../shared/auth/middleware';
import type { GatewayDeps } from '../../shared/deps';
import { type AppEnv, baseAppOptions, createBaseApp, newRouter, type Router } from '../../shared/http/app';
import { OPERATIONS } from '../../shared/identity/model';
import { Broker, type BrokeredCall } from '../../shared/registry/broker';
import { createProviders } from '../../shared/registry/config';
import { verifyCitizen } from '../../shared/registry/disclosure';
import { operationRecords } from '../../shared/registry/operations';
import { recordRefusals, searchTarget } from './refusals';
import {
  type BusinessField,
  type CitizenField,
  getBusinessRoute,
  getCitizenRoute,
  type RegistryHeaders,
  searchBusinessesRoute,
  verifyCitizenRoute,
} from './routes';

/** The call as the broker takes it: the verified caller, the request id and the registry headers. */
const callOf = (c: Context<AppEnv>, headers: RegistryHeaders): BrokeredCall => ({
  caller: c.get('caller'),
  requestId: c.get('requestId'),
  purpose: headers['X-Purpose'],
  officerId: headers['X-Officer-Id'],
  caseId: headers['X-Case-Id'],
  idempotencyKey: headers['Idempotency-Key'],
});

/**
 * The registry routes: each parses its request and hands the call to the Broker (shared/registry/broker.ts),
 * which authorizes it from the token, reads the record with the usage counters, meters it, and only then
 * discloses. The token is verified first (no read); a refused attempt is recorded (./refusals.ts).
 */
export function registryRoutes(deps: GatewayDeps): Router {
  const router = newRouter();
  // Built here, not in the shared deps: only this function serves registers (and bundles their providers).
  const broker = new Broker(deps, createProviders(deps.config, deps.store, deps.tables));
  // First, so that it sees every refusal, the token guard's included.
  router.use('/v1/*', recordRefusals(deps));
  router.use('/v1/*', requireAuth(deps, { anyOf: [...OPERATIONS], liveCheck: false }));

  router.openapi(getCitizenRoute, async (c) => {
    const { nationalId } = c.req.valid('param');
    const { fields } = c.req.valid('query');
    const served = await broker.lookup(
      callOf(c, c.req.valid('header')),
      'citizen:read',
      operationRecords['citizen:read'],
      nationalId,
      fields,
    );
    const { data, withheld, auth, headers } = served;
    return c.json({ data, withheld: withheld as CitizenField[], purpose: auth.purpose }, 200, headers);
  });

  router.openapi(verifyCitizenRoute, async (c) => {
    const { nationalId, ...claims } = c.req.valid('json');
    const { verdict, auth, headers } = await broker.verify(
      callOf(c, c.req.valid('header')),
      'citizen:verify',
      operationRecords['citizen:verify'],
      nationalId,
      claims,
      (record, auth) => verifyCitizen(record, claims, auth.fields),
    );
    return c.json({ ...verdict, purpose: auth.purpose }, 200, headers);
  });

  router.openapi(getBusinessRoute, async (c) => {
    const { enterpriseCode } = c.req.valid('param');
    const { fields } = c.req.valid('query');
    const { data, withheld, auth, headers } = await broker.lookup(
      callOf(c, c.req.valid('header')),
      'business:read',
      operationRecords['business:read'],
      enterpriseCode,
      fields,
    );
    return c.json({ data, withheld: withheld as BusinessField[], purpose: auth.purpose }, 200, headers);
  });

  router.openapi(searchBusinessesRoute, async (c) => {
    const { name, province, cursor, limit, fields } = c.req.valid('query');
    const {
      items,
      cursor: next,
      withheld,
      auth,
      headers,
    } = await broker.search(
      callOf(c, c.req.valid('header')),
      { name, province, cursor, limit, fields },
      searchTarget(name, province),
    );
    return c.json(
      {
        items,
        ...(next ? { cursor: next } : {}),
        withheld: withheld as BusinessField[],
        purpose: auth.purpose,
      },
      200,
      headers,
    );
  });
  return router;
}

export function createApp(deps: GatewayDeps): Router {
  const app = createBaseApp(baseAppOptions(deps));
  app.route('/', registryRoutes(deps));
  return app;
}
