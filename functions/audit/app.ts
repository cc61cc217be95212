import { queryAudit, subjectHistory } from '../../shared/audit/query';
import { AuditSealer } from '../../shared/audit/sealer';
import { requireAuth } from '../../shared/auth/middleware';
import type { GatewayDeps } from '../../shared/deps';
import { BadRequestError } from '../../shared/errors';
import { baseAppOptions, createBaseApp, newRouter, type Router } from '../../shared/http/app';
import { InvalidCursorError } from '../../shared/identity/repository';
import { periodOf, startOfVietnamDay } from '../../shared/ledger/period';
import * as r from './routes';

const normalizeInstant = (value: string | undefined, end: boolean) => {
  if (!value) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    // A calendar date means that day in Vietnam.
    const start = startOfVietnamDay(value).getTime();
    return new Date(end ? start + 86_400_000 - 1 : start).toISOString();
  }
  return new Date(value).toISOString();
};

async function withCursor<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof InvalidCursorError) throw new BadRequestError(error.message);
    throw error;
  }
}

export function auditRoutes(deps: GatewayDeps): Router {
  const router = newRouter();
  const sealer = new AuditSealer(deps.store, deps.tables.ledger, deps.now);
  router.use('/audit/*', requireAuth(deps, { anyOf: ['audit:read'], liveCheck: true }));

  router.openapi(r.auditEventsRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await withCursor(() =>
      queryAudit(deps.store, deps.tables.ledger, {
        ...q,
        from: normalizeInstant(q.from, false),
        to: normalizeInstant(q.to, true),
      }),
    );
    return c.json(page, 200);
  });

  router.openapi(r.auditVerifyRoute, async (c) => c.json(await sealer.verify(), 200));

  router.openapi(r.subjectHistoryRoute, async (c) => {
    const { subject } = c.req.valid('param');
    const { limit, cursor } = c.req.valid('query');
    const today = periodOf(deps.now()).day;
    const page = await withCursor(() =>
      subjectHistory(deps.store, deps.tables.ledger, subject, today, limit, cursor),
    );
    const visible = page.items;
    const agencies = new Map<string, { code?: string; name?: string }>();
    for (const id of new Set(visible.map((e) => e.actor.agencyId))) {
      const agency = await deps.control.getAgency(id);
      agencies.set(id, agency ? { code: agency.code, name: agency.name } : {});
    }
    return c.json(
      {
        subject,
        items: visible.map((e) => ({
          at: e.at,
          agency: { id: e.actor.agencyId, ...agencies.get(e.actor.agencyId) },
          operation: e.action,
          purpose: e.purpose,
        })),
        cursor: page.cursor,
      },
      200,
    );
  });
  return router;
}

export function createApp(deps: GatewayDeps): Router {
  const app = createBaseApp(baseAppOptions(deps));
  app.route('/', auditRoutes(deps));
  return app;
}
