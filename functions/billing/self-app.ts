import { type AuditRecord, queryAudit } from '../../shared/audit/query';
import { requireAuth } from '../../shared/auth/middleware';
import { statementCsv } from '../../shared/billing/csv';
import type { BillingReports } from '../../shared/billing/reports';
import type { BillingService } from '../../shared/billing/service';
import type { GatewayDeps } from '../../shared/deps';
import { BadRequestError, NotFoundError } from '../../shared/errors';
import { newRouter, type Router } from '../../shared/http/app';
import { rangeBound } from '../../shared/http/instant';
import type { Entitlement } from '../../shared/identity/model';
import { defaultLimits, type Plan } from '../../shared/identity/plans';
import type { PurposeNames } from '../../shared/identity/purposes';
import { periodOf } from '../../shared/ledger/period';
import { readCounters } from '../../shared/ledger/usage';
import { auditOrder } from '../../shared/storage/keys/ledger';
import { shardCursor } from '../../shared/storage/sharded-query';
import { csvHeaders, signedFileOf, wantsCsv } from './answers';
import * as r from './self-routes';

/**
 * The most months one /me/usage answer spans: any agency may ask, and each month costs its lanes and a Query, so
 * three years (finance's /billing/usage allows 240 months).
 */
export const SELF_USAGE_MONTHS = 36;

/**
 * Self-service for any agency (scope self:read): its own account, usage, statements and calls. Every answer is
 * for the agency the token names; no parameter names another one, and an `agency` parameter is refused.
 */
export function selfRoutes(deps: GatewayDeps, billing: BillingService, reports: BillingReports): Router {
  const router = newRouter();
  router.use('/me/*', requireAuth(deps, { anyOf: ['self:read'], liveCheck: true }));
  router.use('/me/*', async function refuseAgencyParameter(c, next) {
    if (c.req.query('agency') !== undefined) {
      throw new BadRequestError(
        `${c.req.path} answers for the caller's own agency only: it takes no agency parameter (finance reads other agencies under /billing).`,
      );
    }
    await next();
  });

  router.openapi(r.getMeRoute, async (c) => {
    const agencyId = c.get('caller').agencyId;
    const { agency, entitlements } = await deps.control.getAgencyWithEntitlements(agencyId);
    if (!agency) throw new NotFoundError(`There is no agency ${agencyId}.`);
    const { period } = periodOf(deps.now());
    const [plan, counters, names, statement] = await Promise.all([
      agency.planCode && agency.planVersion
        ? deps.plans.version(agency.planCode, agency.planVersion)
        : Promise.resolve(undefined),
      readCounters(deps.store, deps.tables.ledger, agency, period, period),
      deps.purposes.names(entitlements.flatMap((e) => e.purposes)),
      agency.budget ? billing.statement(agency.id, period) : Promise.resolve(undefined),
    ]);
    const limits = plan
      ? { source: 'plan' as const, rateLimit: plan.rateLimit, monthlyQuota: plan.monthlyQuota }
      : defaultAccountLimits(deps.config);
    const calls = counters[0]?.calls ?? 0;
    const spentVnd = statement?.statement.totalVnd ?? 0;
    return c.json(
      {
        agency: { id: agency.id, code: agency.code, name: agency.name, status: agency.status },
        plan: plan ? planView(plan) : null,
        limits,
        entitlements: entitlements.map((e) => entitlementView(e, names)),
        month: {
          period,
          calls,
          billable: counters[0]?.billable ?? 0,
          quotaRemaining: Math.max(0, limits.monthlyQuota - calls),
          budget: agency.budget ? budgetView(agency.budget, spentVnd) : null,
        },
      },
      200,
    );
  });

  router.openapi(r.getMyUsageRoute, async (c) => {
    const agency = c.get('liveAgency');
    return c.json(await reports.usage([agency], c.req.valid('query'), SELF_USAGE_MONTHS), 200);
  });

  router.openapi(r.getMyStatementRoute, async (c) => {
    const { period } = c.req.valid('param');
    const agencyId = c.get('caller').agencyId;
    const view = await billing.statement(agencyId, period);
    if (wantsCsv(c.req.header('Accept'))) {
      return c.body(statementCsv(view.statement), 200, csvHeaders(`statement-${agencyId}-${period}.csv`));
    }
    return c.json(view, 200);
  });

  router.openapi(r.getMySignedStatementRoute, async (c) => {
    const { period } = c.req.valid('param');
    const agencyId = c.get('caller').agencyId;
    const { file, headers } = signedFileOf(await billing.statement(agencyId, period), agencyId, period);
    return c.json(file, 200, headers);
  });

  router.openapi(r.listMyCallsRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await ownCalls(deps, c.get('caller').agencyId, q);
    const names = await deps.purposes.names(page.calls.map((e) => e.purpose));
    return c.json(
      {
        calls: page.calls.map((e) => callView(e, names)),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      },
      200,
    );
  });
  return router;
}

/** What an agency without a plan is held to: the platform defaults its tokens carry (shared/identity/plans.ts). */
function defaultAccountLimits(config: GatewayDeps['config']) {
  const limits = defaultLimits(config);
  return {
    source: 'default' as const,
    rateLimit: { perSecond: limits.ratePerSecond, burst: limits.burst },
    monthlyQuota: limits.monthlyQuota,
  };
}

const planView = (plan: Plan) => ({
  code: plan.code,
  version: plan.version,
  name: plan.name,
  rateLimit: plan.rateLimit,
  monthlyQuota: plan.monthlyQuota,
  includedCalls: plan.includedCalls,
  monthlyFeeVnd: plan.monthlyFeeVnd,
  unitPricesVnd: plan.unitPricesVnd,
  ...(plan.tiersVnd ? { tiersVnd: plan.tiersVnd } : {}),
});

const entitlementView = (e: Entitlement, names: PurposeNames) => ({
  operation: e.operation,
  purposes: e.purposes.map((code) => ({ code, name: names[code] ?? null })),
  ...(e.fields ? { fields: e.fields } : {}),
  ...(e.covertUntil ? { covertUntil: e.covertUntil } : {}),
});

const budgetView = (budget: { capVnd: number; enforce: boolean }, spentVnd: number) => ({
  capVnd: budget.capVnd,
  enforce: budget.enforce,
  spentVnd,
  remainingVnd: Math.max(0, budget.capVnd - spentVnd),
  reached: spentVnd >= budget.capVnd,
});

const callView = (e: AuditRecord, names: PurposeNames) => ({
  requestId: e.id,
  at: e.at,
  operation: e.action,
  ...(e.subject ? { subject: e.subject } : {}),
  ...(e.purpose ? { purpose: e.purpose } : {}),
  purposeName: (e.purpose && names[e.purpose]) || null,
  ...(e.officerId ? { officerId: e.officerId } : {}),
  ...(e.caseId ? { caseId: e.caseId } : {}),
  ...(e.status !== undefined ? { status: e.status } : {}),
  outcome: e.outcome === 'refused' ? ('refused' as const) : ('served' as const),
  ...(e.ledger ? { billable: e.ledger.billable } : {}),
  ...(e.reason ? { reason: e.reason } : {}),
  ...(e.replayOf ? { replayOf: e.replayOf } : {}),
  ...(e.refusedBeyondRecorded !== undefined ? { refusedBeyondRecorded: e.refusedBeyondRecorded } : {}),
});

/**
 * The agency's registry calls, newest first, from the audit trail's agency index (its 16 shards merged). Only
 * registry calls are listed (the operator agency's own admin actions are not calls), filtered by officer and case
 * when asked. An answer reads at most CALLS_SCAN_LIMIT records: a sparse filter gives a short page and a cursor
 * after the last record read, never an unbounded read.
 */
async function ownCalls(
  deps: GatewayDeps,
  agencyId: string,
  q: {
    from?: string | undefined;
    to?: string | undefined;
    officer?: string | undefined;
    case?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
): Promise<{ calls: AuditRecord[]; nextCursor?: string | undefined }> {
  const wanted = (e: AuditRecord) =>
    e.kind === 'registry-call' &&
    (q.officer === undefined || e.officerId === q.officer) &&
    (q.case === undefined || e.caseId === q.case);
  const calls: AuditRecord[] = [];
  let cursor = q.cursor;
  let scanned = 0;
  for (;;) {
    const left = q.limit - calls.length;
    const page = await queryAudit(deps.store, deps.tables.ledger, {
      agency: agencyId,
      from: q.from && rangeBound(q.from, false),
      to: q.to && rangeBound(q.to, true),
      // Never fewer than 100 a read: the registry-call filter always applies, and the operator agency's index is
      // mostly admin and finance actions, so reading `left` at a time could take a thousand round trips.
      limit: Math.min(200, Math.max(left, 100), r.CALLS_SCAN_LIMIT - scanned),
      cursor,
    });
    for (const [i, record] of page.items.entries()) {
      scanned += 1;
      if (wanted(record)) calls.push(record);
      if (calls.length === q.limit) {
        const last = i === page.items.length - 1;
        return { calls, nextCursor: last ? page.cursor : shardCursor.encode(auditOrder(record)) };
      }
    }
    if (!page.cursor || scanned >= r.CALLS_SCAN_LIMIT) return { calls, nextCursor: page.cursor };
    cursor = page.cursor;
  }
}
