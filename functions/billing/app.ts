import { latestCheckpoint } from '../../shared/audit/log-state';
import { requireAuth } from '../../shared/auth/middleware';
import { statementCsv, toCsv } from '../../shared/billing/csv';
import { BillingService } from '../../shared/billing/service';
import { signedStatementFile } from '../../shared/billing/signed';
import type { GatewayDeps } from '../../shared/deps';
import { BadRequestError, ForbiddenError, NotFoundError } from '../../shared/errors';
import { baseAppOptions, createBaseApp, newRouter, type Router } from '../../shared/http/app';
import { periodOf } from '../../shared/ledger/period';
import { readCounters } from '../../shared/ledger/usage';
import * as r from './routes';

const wantsCsv = (accept: string | undefined) => /\btext\/csv\b/i.test(accept ?? '');

const csvHeaders = (filename: string) => ({
  'Content-Type': 'text/csv; charset=utf-8',
  'Content-Disposition': `attachment; filename="${filename}"`,
});

/** The most months one usage answer reads (every month costs its lanes); periodsBetween reads no more. */
const MAX_USAGE_MONTHS = 240;

const monthsSpanned = (from: string, to: string) => {
  const [fy, fm] = from.split('-').map(Number) as [number, number];
  const [ty, tm] = to.split('-').map(Number) as [number, number];
  return (ty - fy) * 12 + (tm - fm) + 1;
};

/** Closing a month and refunding a call change what is billed: they need billing:close. */
function requireClose(scopes: string[], what: string): void {
  if (scopes.includes('billing:close')) return;
  throw new ForbiddenError(`${what} needs scope billing:close.`, {
    headers: {
      'WWW-Authenticate':
        'Bearer realm="national-data-gateway", error="insufficient_scope", scope="billing:close"',
    },
  });
}

/** Everything under /billing: scope billing:read (closing a period needs billing:close). */
export function billingRoutes(deps: GatewayDeps): Router {
  const router = newRouter();
  const billing = new BillingService(deps, { vatPercent: deps.config.BILLING_VAT_PERCENT });
  router.use('/billing/*', requireAuth(deps, { anyOf: ['billing:read', 'billing:close'], liveCheck: true }));

  router.openapi(r.usageRoute, async (c) => {
    const q = c.req.valid('query');
    const current = periodOf(deps.now());
    const from = q.from ?? (q.granularity === 'day' ? `${current.period}-01` : current.period);
    const to = q.to ?? (q.granularity === 'day' ? current.day : current.period);
    if (from.slice(0, 7) > to.slice(0, 7) || (from.length === 10 && to.length === 10 && from > to)) {
      throw new BadRequestError(`from (${from}) is after to (${to}).`);
    }
    const months = monthsSpanned(from, to);
    if (months > MAX_USAGE_MONTHS) {
      throw new BadRequestError(
        `from (${from}) to (${to}) spans ${months} months; ask for at most ${MAX_USAGE_MONTHS} at a time.`,
      );
    }
    const agencies = q.agency
      ? [(await deps.control.getAgency(q.agency)) ?? { id: q.agency }]
      : await deps.control.allAgencies();
    const items = [];
    for (const agency of agencies) {
      const agencyId = agency.id;
      for (const counters of await readCounters(
        deps.store,
        deps.tables.ledger,
        agency,
        from.slice(0, 7),
        to.slice(0, 7),
        { days: true },
      )) {
        if (q.granularity === 'month') {
          items.push({
            agencyId,
            period: counters.period,
            calls: counters.calls,
            billable: counters.billable,
            operations: counters.operations,
            purposes: counters.purposes,
          });
          continue;
        }
        for (const [dd, operations] of Object.entries(counters.days).sort()) {
          const day = `${counters.period}-${dd}`;
          if ((from.length === 10 && day < from) || (to.length === 10 && day > to)) continue;
          items.push({
            agencyId,
            period: counters.period,
            day,
            calls: Object.values(operations).reduce((a, b) => a + b, 0),
            operations: Object.fromEntries(Object.entries(operations).map(([op, calls]) => [op, { calls }])),
          });
        }
      }
    }
    // Days and purposes come from the sealed audit log: say up to when.
    const breakdownAsOf = (await latestCheckpoint(deps.store, deps.tables.ledger))?.timestamp;
    return c.json(
      { granularity: q.granularity, from, to, ...(breakdownAsOf ? { breakdownAsOf } : {}), items },
      200,
    );
  });

  router.openapi(r.statementRoute, async (c) => {
    const { period } = c.req.valid('param');
    const { agency } = c.req.valid('query');
    const view = await billing.statement(agency, period);
    if (wantsCsv(c.req.header('Accept'))) {
      return c.body(statementCsv(view.statement), 200, csvHeaders(`statement-${agency}-${period}.csv`));
    }
    return c.json(view, 200);
  });

  router.openapi(r.signedStatementRoute, async (c) => {
    const { period } = c.req.valid('param');
    const { agency } = c.req.valid('query');
    const view = await billing.statement(agency, period);
    if (!view.signed)
      throw new NotFoundError(`Period ${period} is not closed yet: there is no signed statement.`);
    // Parsed back from the canonical text, its keys are in canonical order, so the body is that exact text.
    return c.json(JSON.parse(signedStatementFile(view.signed)) as typeof view.signed, 200, {
      'Content-Disposition': `attachment; filename="statement-${agency}-${period}.json"`,
    });
  });

  router.openapi(r.statementEntriesRoute, async (c) => {
    const { period } = c.req.valid('param');
    const q = c.req.valid('query');
    const page = await billing.entries(q.agency, period, q);
    if (wantsCsv(c.req.header('Accept'))) {
      const rows = [
        ['requestId', 'at', 'operation', 'purpose', 'status', 'billable', 'plan', 'idempotencyKey'],
        ...page.items.map((e) => [
          e.requestId,
          e.at,
          e.operation,
          e.purpose,
          e.status,
          e.billable ? 'yes' : 'no',
          `${e.plan}@${e.planVersion}`,
          e.idempotencyKey,
        ]),
      ];
      return c.body(toCsv(rows), 200, {
        ...csvHeaders(`entries-${q.agency}-${period}.csv`),
        ...(page.cursor ? { 'X-Next-Cursor': page.cursor } : {}),
      });
    }
    return c.json(page, 200);
  });

  router.openapi(r.closePeriodRoute, async (c) => {
    const caller = c.get('caller');
    requireClose(caller.scopes, 'Closing a period');
    const { period } = c.req.valid('param');
    return c.json(await billing.close(period, { ...caller, requestId: c.get('requestId') }), 200);
  });

  router.openapi(r.reverseCallRoute, async (c) => {
    const caller = c.get('caller');
    requireClose(caller.scopes, 'Refunding a call');
    return c.json(
      await billing.reverse(c.req.valid('json'), { ...caller, requestId: c.get('requestId') }),
      201,
    );
  });

  router.openapi(r.reversalsRoute, async (c) => {
    const { agency, period } = c.req.valid('query');
    return c.json({ items: await billing.reversals(agency, period) }, 200);
  });

  router.openapi(r.budgetsRoute, async (c) =>
    c.json(await billing.budgets(c.req.valid('param').period), 200),
  );

  router.openapi(r.summaryRoute, async (c) => {
    const { period } = c.req.valid('param');
    return c.json(await billing.summary(period, c.req.valid('query').top), 200);
  });
  return router;
}

export function createApp(deps: GatewayDeps): Router {
  const app = createBaseApp(baseAppOptions(deps));
  app.route('/', billingRoutes(deps));
  return app;
}
