import { requireAuth } from '../../shared/auth/middleware';
import type { GatewayDeps } from '../../shared/deps';
import { BadRequestError } from '../../shared/errors';
import { createBaseApp, newRouter, type Router } from '../../shared/http/app';
import { periodOf } from '../../shared/ledger/period';
import { readCounters } from '../../shared/ledger/usage';
import * as r from './routes';

/** Everything under /billing: scope billing:read (closing a period needs billing:close). */
export function billingRoutes(deps: GatewayDeps): Router {
  const router = newRouter();
  router.use('/billing/*', requireAuth(deps, { anyOf: ['billing:read', 'billing:close'], liveCheck: true }));

  router.openapi(r.usageRoute, async (c) => {
    const q = c.req.valid('query');
    const current = periodOf(deps.now());
    const from = q.from ?? (q.granularity === 'day' ? `${current.period}-01` : current.period);
    const to = q.to ?? (q.granularity === 'day' ? current.day : current.period);
    if (from.slice(0, 7) > to.slice(0, 7) || (from.length === 10 && to.length === 10 && from > to)) {
      throw new BadRequestError(`from (${from}) is after to (${to}).`);
    }
    const agencyIds = q.agency ? [q.agency] : await allAgencyIds(deps);
    const items = [];
    for (const agencyId of agencyIds) {
      for (const counters of await readCounters(
        deps.store,
        deps.tables.ledger,
        agencyId,
        from.slice(0, 7),
        to.slice(0, 7),
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
    return c.json({ granularity: q.granularity, from, to, items }, 200);
  });
  return router;
}

async function allAgencyIds(deps: GatewayDeps): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.control.listAgencies(100, cursor);
    ids.push(...page.items.map((a) => a.id));
    cursor = page.cursor;
  } while (cursor);
  return ids;
}

export function createApp(deps: GatewayDeps): Router {
  const app = createBaseApp({ logger: deps.logger, maxBodyBytes: deps.config.MAX_BODY_BYTES });
  app.route('/', billingRoutes(deps));
  return app;
}
