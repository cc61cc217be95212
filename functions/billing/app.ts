import { requireAuth } from '../../shared/auth/middleware';
import { statementCsv, toCsv } from '../../shared/billing/csv';
import { BillingReports } from '../../shared/billing/reports';
import { BillingService } from '../../shared/billing/service';
import { StatementRepository } from '../../shared/billing/statement-repository';
import type { GatewayDeps } from '../../shared/deps';
import { baseAppOptions, createBaseApp, newRouter, type Router } from '../../shared/http/app';
import { csvHeaders, signedFileOf, wantsCsv } from './answers';
import * as r from './routes';
import { selfRoutes } from './self-app';

/** Everything under /billing: scope billing:read (closing a period needs billing:close). */
export function billingRoutes(deps: GatewayDeps): Router {
  const router = newRouter();
  const statements = new StatementRepository(deps.store, deps.tables.ledger);
  const billing = new BillingService(deps, statements, { vatPercent: deps.config.BILLING_VAT_PERCENT });
  const reports = new BillingReports(deps, statements, billing);
  router.use('/billing/*', requireAuth(deps, { anyOf: ['billing:read', 'billing:close'], liveCheck: true }));
  // Self-service (/me) reads what the billing function already reads, for the caller's own agency only.
  router.route('/', selfRoutes(deps, billing, reports));

  router.openapi(r.usageRoute, async (c) => {
    const { agency, ...query } = c.req.valid('query');
    const agencies = agency
      ? [(await deps.control.getAgency(agency)) ?? { id: agency }]
      : await deps.control.allAgencies();
    return c.json(await reports.usage(agencies, query), 200);
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
    const { file, headers } = signedFileOf(await billing.statement(agency, period), agency, period);
    return c.json(file, 200, headers);
  });

  router.openapi(r.statementEntriesRoute, async (c) => {
    const { period } = c.req.valid('param');
    const q = c.req.valid('query');
    const page = await reports.entries(q.agency, period, q);
    const purposeNames = await deps.purposes.names(page.items.map((e) => e.purpose));
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
    return c.json({ ...page, purposeNames }, 200);
  });

  router.openapi(r.closePeriodRoute, async (c) => {
    const caller = c.get('caller');
    const { period } = c.req.valid('param');
    return c.json(await billing.close(period, { ...caller, requestId: c.get('requestId') }), 200);
  });

  router.openapi(r.reverseCallRoute, async (c) => {
    const caller = c.get('caller');
    return c.json(
      await billing.reverse(c.req.valid('json'), { ...caller, requestId: c.get('requestId') }),
      201,
    );
  });

  router.openapi(r.reversalsRoute, async (c) => {
    const { agency, period } = c.req.valid('query');
    return c.json({ items: await reports.reversals(agency, period) }, 200);
  });

  router.openapi(r.budgetsRoute, async (c) =>
    c.json(await reports.budgets(c.req.valid('param').period), 200),
  );

  router.openapi(r.summaryRoute, async (c) => {
    const { period } = c.req.valid('param');
    const summary = await reports.summary(period, c.req.valid('query').top);
    const codes = Object.values(summary.byPurpose).flatMap(Object.keys);
    return c.json({ ...summary, purposeNames: await deps.purposes.names(codes) }, 200);
  });
  return router;
}

export function createApp(deps: GatewayDeps): Router {
  const app = createBaseApp(baseAppOptions(deps));
  app.route('/', billingRoutes(deps));
  return app;
}
