import type { Context } from 'hono';
import { requireAuth } from '../../shared/auth/middleware';
import type { GatewayDeps } from '../../shared/deps';
import { type AppEnv, baseAppOptions, createBaseApp, newRouter, type Router } from '../../shared/http/app';
import { OPERATIONS, type Operation } from '../../shared/identity/model';
import { Broker, type BrokeredCall } from '../../shared/registry/broker';
import { createProviders } from '../../shared/registry/config';
import { verifyCitizen } from '../../shared/registry/disclosure';
import { operationRecords, type RecordKind } from '../../shared/registry/operations';
import { recordRefusals, searchTarget } from './refusals';
import {
  type BusinessField,
  type RegistryHeaders,
  registryOperations,
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

/** A lookup's route, as the one lookup handler reads it: the record's key in the path, and `?fields=`. */
type LookupEntry = Extract<(typeof registryOperations)[number], { lookup: true }>;
type LookupRoute = LookupEntry['route'];
type LookupOperation = LookupEntry['operation'];

/**
 * Serves a record by its key (`GET /v1/<records>/{key}?fields=`), whatever the register: the Broker reads it as
 * the operation's record kind (shared/registry/operations.ts) tells, and answers it minimised, with the fields
 * it withheld.
 */
function serveLookup(router: Router, broker: Broker, operation: LookupOperation, route: LookupRoute) {
  const kind = operationRecords[operation];
  router.openapi(route, async (c) => {
    const subject = (c.req.valid('param') as Record<string, string>)[kind.keyField]!;
    const { fields } = c.req.valid('query');
    const { data, withheld, auth, headers } = await broker.lookup(
      callOf(c, c.req.valid('header')),
      operation,
      kind as RecordKind<object, never>,
      subject,
      fields,
    );
    // Typed per register by its route's response schema, which the route tests hold each answer to.
    return c.json({ data, withheld, purpose: auth.purpose } as never, 200, headers);
  });
}

/** The operations that are not a lookup by key, each with its own handler. */
const otherHandlers = {
  'citizen:verify': (router: Router, broker: Broker) => {
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
  },
  'business:search': (router: Router, broker: Broker) => {
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
  },
} satisfies Record<Exclude<Operation, LookupOperation>, (router: Router, broker: Broker) => void>;

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

  // In the table's order, which is the order /docs lists them in.
  for (const entry of registryOperations) {
    if ('lookup' in entry) serveLookup(router, broker, entry.operation, entry.route);
    else otherHandlers[entry.operation](router, broker);
  }
  return router;
}

export function createApp(deps: GatewayDeps): Router {
  const app = createBaseApp(baseAppOptions(deps));
  app.route('/', registryRoutes(deps));
  return app;
}
