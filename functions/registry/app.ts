import type { Context } from 'hono';
import { requireAuth } from '../../shared/auth/middleware';
import { BudgetGuard } from '../../shared/billing/budget';
import type { GatewayDeps } from '../../shared/deps';
import { NotFoundError, PaymentRequiredError } from '../../shared/errors';
import { type AppEnv, baseAppOptions, createBaseApp, newRouter, type Router } from '../../shared/http/app';
import { OPERATIONS, type Operation } from '../../shared/identity/model';
import {
  type Authorization,
  authorizeLive,
  type CallReading,
  fingerprint,
  readForCall,
} from '../../shared/ledger/broker';
import {
  FAILED_VERIFICATIONS_PER_HOUR,
  Ledger,
  usageHeaders,
  type VerificationGuard,
  verificationGuard,
} from '../../shared/ledger/ledger';
import { createProviders } from '../../shared/registry/config';
import { minimise, type Verification, verifyCitizen } from '../../shared/registry/disclosure';
import { withoutKeys } from '../../shared/registry/hosted';
import { type Business, type Citizen, registryKeys } from '../../shared/registry/model';
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

/**
 * The registry routes. Each brokered call: verify the token (no read), check scope and purpose against the
 * entitlements the token carries (no read), read the record together with the usage counters (one
 * BatchGetItem for a hosted register), write the ledger transaction (one round trip), and only then answer.
 */
export function registryRoutes(deps: GatewayDeps): Router {
  const router = newRouter();
  const ledger = new Ledger(deps.store, deps.tables, deps.logger);
  const budget = new BudgetGuard(deps.store, deps.tables.ledger, deps.plans, deps.config.BILLING_VAT_PERCENT);
  // Built here, not in the shared deps: only this function serves registers (and bundles their providers).
  const { population, business } = createProviders(deps.config, deps.store, deps.tables);
  // First, so that it sees every refusal, the token guard's included.
  router.use('/v1/*', recordRefusals(deps));
  router.use('/v1/*', requireAuth(deps, { anyOf: [...OPERATIONS], liveCheck: false }));

  /** The first round trip: liveness, the usage lanes and, when the register is hosted here, the record. */
  const readCall = (c: Context<AppEnv>, auth: Authorization, at: Date, key?: Record<string, string>) =>
    readForCall(
      deps.store,
      deps.tables,
      ledger,
      { ...c.get('caller'), policyVersion: auth.policyVersion, limits: auth.limits, at },
      key,
    );

  /** Reads the record and the usage lanes: one round trip when the register is hosted here. */
  async function read<T>(
    c: Context<AppEnv>,
    auth: Authorization,
    at: Date,
    hosted: boolean,
    key: Record<string, string>,
    viaProvider: () => Promise<T | undefined>,
  ): Promise<{ record?: T | undefined; reading: CallReading }> {
    if (hosted) {
      const reading = await readCall(c, auth, at, key);
      return { record: reading.record ? withoutKeys<T>(reading.record) : undefined, reading };
    }
    // The custodian is asked only once the token is known to be live, so a revoked caller reaches no register.
    const reading = await readCall(c, auth, at);
    return { record: await viaProvider(), reading };
  }

  /**
   * Writes the ledger entry; nothing is answered unless it succeeds. Returns the usage headers and the receipt
   * (`X-Audit-Leaf`: the leaf hash of the audit record this call wrote).
   */
  async function meter(
    c: Context<AppEnv>,
    auth: Authorization,
    headers: RegistryHeaders,
    at: Date,
    reading: CallReading,
    call: {
      subject?: string | undefined;
      target?: string | undefined;
      status: number;
      asked: unknown;
      verification?: { guard: VerificationGuard; failed: boolean } | undefined;
    },
  ): Promise<Record<string, string>> {
    const caller = c.get('caller');
    // Refused past an enforced budget cap; a 404 (not billable) still counts as a call, so it is refused too.
    // A retry of a call already counted costs nothing more: it goes on to the ledger, which replays it.
    await budget.check(auth, caller.agencyId, at).catch(async (error: unknown) => {
      const key = headers['Idempotency-Key'];
      if (!(error instanceof PaymentRequiredError) || !key) throw error;
      if (!(await ledger.counted(caller.agencyId, at, key))) throw error;
    });
    const result = await ledger.commit(
      {
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
        verification: call.verification,
      },
      reading.lanes,
    );
    const out: Record<string, string> = {
      ...usageHeaders(auth.limits, result.usage, at),
      'X-Audit-Leaf': result.leafHash,
    };
    if (result.outcome === 'replayed') out['Idempotent-Replayed'] = 'true';
    return out;
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
      /** For a verification: the verdict, computed before the write (its transaction names the oracle guard). */
      verify?: (record: T, auth: Authorization) => Verification;
    },
  ): Promise<{ record: T; auth: Authorization; out: Record<string, string>; verdict?: Verification }> {
    const auth = await authorizeLive(deps.control, c.get('caller'), operation, headers['X-Purpose']);
    const at = deps.now();
    const { record, reading } = await read<T>(c, auth, at, target.hosted, target.key, target.viaProvider);
    const verdict = record && target.verify ? target.verify(record, auth) : undefined;
    const out = await meter(c, auth, headers, at, reading, {
      subject: target.subject,
      status: record ? 200 : 404,
      asked: target.asked,
      // Failed: a compared claim was false (a withheld field is not compared).
      verification: verdict && {
        guard: verificationGuard(c.get('caller').agencyId, target.subject, at, FAILED_VERIFICATIONS_PER_HOUR),
        failed: Object.values(verdict.fields).some((same) => !same),
      },
    });
    if (!record) {
      const error = new NotFoundError(target.missing);
      Object.assign(error.headers, out);
      throw error;
    }
    return { record, auth, out, ...(verdict ? { verdict } : {}) };
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
    const { verdict, auth, out } = await lookup<Citizen>(c, c.req.valid('header'), 'citizen:verify', {
      hosted: population.kind === 'hosted',
      key: registryKeys.citizen(nationalId),
      viaProvider: () => population.getCitizen(nationalId),
      subject: nationalId,
      asked: { nationalId, claims },
      missing: `No citizen has national ID ${nationalId}.`,
      verify: (record, auth) => verifyCitizen(record, claims, auth.fields),
    });
    return c.json({ ...verdict!, purpose: auth.purpose }, 200, out);
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
    const auth = await authorizeLive(deps.control, caller, 'business:search', headers['X-Purpose']);
    const at = deps.now();
    const [page, reading] = await Promise.all([
      business.searchBusinesses({ name, province, limit, cursor }),
      readCall(c, auth, at),
    ]);
    const out = await meter(c, auth, headers, at, reading, {
      target: searchTarget(name, province),
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
