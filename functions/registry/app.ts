import type { Context } from 'hono';
import { requireAuth } from '../../shared/auth/middleware';
import { BudgetGuard } from '../../shared/billing/budget';
import type { GatewayDeps } from '../../shared/deps';
import { AppError, NotFoundError, PaymentRequiredError } from '../../shared/errors';
import { type AppEnv, baseAppOptions, createBaseApp, newRouter, type Router } from '../../shared/http/app';
import { OPERATIONS, type Operation } from '../../shared/identity/model';
import {
  type Authorization,
  authorize,
  fingerprint,
  readWithUsage,
  type UsageSnapshot,
  usageHeaders,
} from '../../shared/ledger/broker';
import { Ledger } from '../../shared/ledger/ledger';
import { minimise, verifyCitizen } from '../../shared/registry/disclosure';
import { withoutKeys } from '../../shared/registry/hosted';
import { type Business, type Citizen, registryKeys } from '../../shared/registry/model';
import {
  type BusinessField,
  type CitizenField,
  getBusinessRoute,
  getCitizenRoute,
  type RegistryHeaders,
  searchBusinessesRoute,
  verifyCitizenRoute,
} from './routes';

/**
 * The registry routes. Each brokered call: verify the token (no read), check scope and purpose against the
 * entitlements the token carries (no read), read the record together with the usage counters (one
 * BatchGetItem for a hosted register), write the ledger transaction (one round trip), and only then answer.
 */
export function registryRoutes(deps: GatewayDeps): Router {
  const router = newRouter();
  const ledger = new Ledger(deps.store, deps.tables, deps.logger);
  const budget = new BudgetGuard(deps.plans, deps.config.BILLING_VAT_PERCENT);
  const { population, business } = deps.registers;
  router.use('/v1/*', requireAuth(deps, { anyOf: [...OPERATIONS], liveCheck: false }));

  /** Reads the record and the usage counters: one round trip when the register is hosted here. */
  async function read<T>(
    auth: Authorization,
    agencyId: string,
    at: Date,
    hosted: boolean,
    key: Record<string, string>,
    viaProvider: () => Promise<T | undefined>,
  ): Promise<{ record?: T | undefined; usage: UsageSnapshot }> {
    if (hosted) {
      const { record, usage } = await readWithUsage(deps.store, deps.tables, agencyId, auth.limits, at, key);
      return { record: record ? withoutKeys<T>(record) : undefined, usage };
    }
    const [record, { usage }] = await Promise.all([
      viaProvider(),
      readWithUsage(deps.store, deps.tables, agencyId, auth.limits, at),
    ]);
    return { record, usage };
  }

  /** Writes the ledger entry; nothing is answered unless it succeeds. Returns the usage headers. */
  async function meter(
    c: Context<AppEnv>,
    auth: Authorization,
    headers: RegistryHeaders,
    at: Date,
    usage: UsageSnapshot,
    call: { subject?: string | undefined; target?: string | undefined; status: number; asked: unknown },
  ): Promise<Record<string, string>> {
    const caller = c.get('caller');
    try {
      // Refused past an enforced budget cap; a 404 (not billable) still counts as a call, so it is refused too.
      // A retry of a call already counted costs nothing more: it goes on to the ledger, which replays it.
      await budget.check(auth, caller.agencyId, usage, at).catch(async (error: unknown) => {
        const key = headers['Idempotency-Key'];
        if (!(error instanceof PaymentRequiredError) || !key) throw error;
        if (!(await ledger.counted(caller.agencyId, at, key))) throw error;
      });
      const result = await ledger.commit({
        requestId: c.get('requestId'),
        idempotencyKey: headers['Idempotency-Key'],
        at,
        clientId: caller.clientId,
        agencyId: caller.agencyId,
        policyVersion: auth.policyVersion,
        limits: auth.limits,
        operation: auth.operation,
        purpose: auth.purpose,
        officerId: headers['X-Officer-Id'],
        caseId: headers['X-Case-Id'],
        subject: call.subject,
        target: call.target,
        // The status too: a key first used on a miss cannot later fetch the record unbilled.
        fingerprint: fingerprint({
          operation: auth.operation,
          purpose: auth.purpose,
          asked: call.asked,
          status: call.status,
        }),
        status: call.status,
        covertUntil: auth.covertUntil,
      });
      const out = usageHeaders(auth.limits, usage, at, result.outcome === 'committed');
      if (result.outcome === 'replayed') out['Idempotent-Replayed'] = 'true';
      return out;
    } catch (error) {
      if (error instanceof AppError)
        Object.assign(error.headers, usageHeaders(auth.limits, usage, at, false));
      throw error;
    }
  }

  /**
   * A brokered lookup of one record: check scope and purpose, read the record with the usage counters,
   * meter the call (a miss is metered too, as a non-billable 404), and only then hand the record back.
   */
  async function lookup<T>(
    c: Context<AppEnv>,
    headers: RegistryHeaders,
    operation: Operation,
    target: {
      hosted: boolean;
      key: Record<string, string>;
      viaProvider: () => Promise<T | undefined>;
      subject: string;
      asked: unknown;
      missing: string;
    },
  ): Promise<{ record: T; auth: Authorization; out: Record<string, string> }> {
    const auth = authorize(c.get('caller'), operation, headers['X-Purpose']);
    const at = deps.now();
    const { record, usage } = await read<T>(
      auth,
      c.get('caller').agencyId,
      at,
      target.hosted,
      target.key,
      target.viaProvider,
    );
    const out = await meter(c, auth, headers, at, usage, {
      subject: target.subject,
      status: record ? 200 : 404,
      asked: target.asked,
    });
    if (!record) {
      const error = new NotFoundError(target.missing);
      Object.assign(error.headers, out);
      throw error;
    }
    return { record, auth, out };
  }

  router.openapi(getCitizenRoute, async (c) => {
    const { nationalId } = c.req.valid('param');
    const { fields } = c.req.valid('query');
    const { record, auth, out } = await lookup<Citizen>(c, c.req.valid('header'), 'citizen:read', {
      hosted: population.kind === 'hosted',
      key: registryKeys.citizen(nationalId),
      viaProvider: () => population.getCitizen(nationalId),
      subject: nationalId,
      asked: { nationalId, fields },
      missing: `No citizen has national ID ${nationalId}.`,
    });
    const { data, withheld } = minimise(record, fields, auth.fields);
    return c.json({ data, withheld: withheld as CitizenField[], purpose: auth.purpose }, 200, out);
  });

  router.openapi(verifyCitizenRoute, async (c) => {
    const { nationalId, ...claims } = c.req.valid('json');
    const { record, auth, out } = await lookup<Citizen>(c, c.req.valid('header'), 'citizen:verify', {
      hosted: population.kind === 'hosted',
      key: registryKeys.citizen(nationalId),
      viaProvider: () => population.getCitizen(nationalId),
      subject: nationalId,
      asked: { nationalId, claims },
      missing: `No citizen has national ID ${nationalId}.`,
    });
    return c.json({ ...verifyCitizen(record, claims, auth.fields), purpose: auth.purpose }, 200, out);
  });

  router.openapi(getBusinessRoute, async (c) => {
    const { enterpriseCode } = c.req.valid('param');
    const { fields } = c.req.valid('query');
    const { record, auth, out } = await lookup<Business>(c, c.req.valid('header'), 'business:read', {
      hosted: business.kind === 'hosted',
      key: registryKeys.business(enterpriseCode),
      viaProvider: () => business.getBusiness(enterpriseCode),
      subject: enterpriseCode,
      asked: { enterpriseCode, fields },
      missing: `No enterprise has code ${enterpriseCode}.`,
    });
    const { data, withheld } = minimise(record, fields, auth.fields);
    return c.json({ data, withheld: withheld as BusinessField[], purpose: auth.purpose }, 200, out);
  });

  router.openapi(searchBusinessesRoute, async (c) => {
    const { name, province, cursor, limit, fields } = c.req.valid('query');
    const headers = c.req.valid('header');
    const caller = c.get('caller');
    const auth = authorize(caller, 'business:search', headers['X-Purpose']);
    const at = deps.now();
    const [page, { usage }] = await Promise.all([
      business.searchBusinesses({ name, province, limit, cursor }),
      readWithUsage(deps.store, deps.tables, caller.agencyId, auth.limits, at),
    ]);
    const out = await meter(c, auth, headers, at, usage, {
      target: `search:${name}${province ? `@${province}` : ''}`.slice(0, 120),
      status: 200,
      asked: { name, province, cursor, limit, fields },
    });
    const withheld = new Set<string>();
    const items = page.items.map((record) => {
      const disclosed = minimise(record, fields, auth.fields);
      for (const field of disclosed.withheld) withheld.add(field);
      return disclosed.data;
    });
    return c.json(
      {
        items,
        ...(page.cursor ? { cursor: page.cursor } : {}),
        withheld: [...withheld] as BusinessField[],
        purpose: auth.purpose,
      },
      200,
      out,
    );
  });
  return router;
}

export function createApp(deps: GatewayDeps): Router {
  const app = createBaseApp(baseAppOptions(deps));
  app.route('/', registryRoutes(deps));
  return app;
}
