import { auditLogOf } from '../../shared/audit/log';
import { queryAudit, subjectHistory } from '../../shared/audit/query';
import { requireAuth } from '../../shared/auth/middleware';
import type { GatewayDeps } from '../../shared/deps';
import { BadRequestError, NotFoundError } from '../../shared/errors';
import { baseAppOptions, createBaseApp, newRouter, type Router } from '../../shared/http/app';
import { periodOf } from '../../shared/ledger/period';
import * as r from './routes';

export function auditRoutes(deps: GatewayDeps): Router {
  const router = newRouter();
  const log = auditLogOf(deps);

  // Public, so registered before the token guard: a checkpoint holds hashes only and anyone may check it.
  router.openapi(r.checkpointRoute, async (c) => {
    const checkpoint = await log.checkpoint();
    if (!checkpoint)
      throw new NotFoundError(
        'The audit log has no signed checkpoint yet; the sealer makes one within seconds.',
      );
    return c.json(checkpoint, 200, { 'Cache-Control': 'no-cache' });
  });

  router.use('/audit/*', requireAuth(deps, { anyOf: ['audit:read'], liveCheck: true }));

  router.openapi(r.proofRoute, async (c) => {
    const { requestId } = c.req.valid('param');
    const proof = await log.inclusionProof(requestId);
    if (!proof) {
      throw new NotFoundError(
        `No audit record of request ${requestId} is in the log's latest checkpoint (yet: records are sealed within seconds of their call).`,
      );
    }
    return c.json(proof, 200);
  });

  router.openapi(r.consistencyRoute, async (c) => {
    const { from, to } = c.req.valid('query');
    if (from > to) throw new BadRequestError(`from (${from}) is larger than to (${to}).`);
    const latest = await log.checkpoint();
    if (!latest || to > latest.treeSize) {
      throw new BadRequestError(`to (${to}) is beyond the tree, which has ${latest?.treeSize ?? 0} records.`);
    }
    const [older, newer] = await Promise.all([log.checkpointAt(from), log.checkpointAt(to)]);
    if (!older || !newer) {
      throw new NotFoundError(
        `No checkpoint was signed at tree size ${older ? to : from}; use sizes of checkpoints.`,
      );
    }
    return c.json({ from, to, proof: await log.consistencyProof(from, to) }, 200);
  });

  router.openapi(r.auditEventsRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await queryAudit(deps.store, deps.tables.ledger, {
      ...q,
      // The schema refused bounds out of range or out of order: these are ISO instants, from <= to.
      from: q.from && r.rangeBound(q.from, false),
      to: q.to && r.rangeBound(q.to, true),
    });
    // Beside the records, not in them: each record's bytes are a leaf of the audit log.
    const purposeNames = await deps.purposes.names(page.items.map((e) => e.purpose));
    return c.json({ ...page, purposeNames }, 200);
  });

  router.openapi(r.auditVerifyRoute, async (c) => c.json(await log.verify(await deps.keys.jwks()), 200));

  router.openapi(r.subjectHistoryRoute, async (c) => {
    const { subject } = c.req.valid('param');
    const { limit, cursor } = c.req.valid('query');
    const today = periodOf(deps.now()).day;
    const page = await subjectHistory(deps.store, deps.tables.ledger, subject, today, limit, cursor);
    const visible = page.items;
    const agencies = new Map<string, { code?: string; name?: string }>();
    for (const id of new Set(visible.map((e) => e.actor.agencyId))) {
      const agency = await deps.control.getAgency(id);
      agencies.set(id, agency ? { code: agency.code, name: agency.name } : {});
    }
    const purposeNames = await deps.purposes.names(visible.map((e) => e.purpose));
    return c.json(
      {
        subject,
        purposeNames,
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
