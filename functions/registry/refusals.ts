import type { Context, MiddlewareHandler } from 'hono';
import { RefusalRecorder } from '../../shared/audit/refusals';
import type { GatewayDeps } from '../../shared/deps';
import { AppError } from '../../shared/errors';
import type { AppEnv } from '../../shared/http/app';
import { PurposeSchema } from '../../shared/identity/model';
import { operationRecords } from '../../shared/registry/operations';
import { BusinessSearchQuerySchema, registryOperations } from './routes';

/** The answers that refuse an identified caller's registry attempt: token no longer valid, budget, scope or
 * entitlement, a reused Idempotency-Key, quota, rate or the verification limit. */
const REFUSALS = new Set([401, 402, 403, 409, 429]);

const TRACE_ID = /^[A-Za-z0-9._:/-]{1,64}$/;
const clean = (value: string | undefined, ok: (v: string) => boolean) =>
  value !== undefined && ok(value) ? value : undefined;

/**
 * Each operation's method and path (functions/registry/routes.ts's table) as a pattern; a `{param}` takes one
 * path segment, the call's subject.
 */
const routing = registryOperations.map(({ operation, route }) => ({
  operation,
  method: route.method.toUpperCase(),
  pattern: new RegExp(`^${route.path.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
  withBody: 'body' in route.request,
}));

/** Which registry operation a request asked for, from its method and path (the route may not have run). */
function operationOf(method: string, path: string) {
  for (const { operation, method: wanted, pattern, withBody } of routing) {
    const match = method === wanted ? pattern.exec(path) : null;
    if (match) return { operation, subject: match[1], withBody };
  }
  return undefined;
}

/** What the refused attempt was, from the request itself; only well-formed values are kept. */
async function attemptOf(c: Context<AppEnv>) {
  const asked = operationOf(c.req.method, c.req.path);
  if (!asked) return undefined;
  const record = operationRecords[asked.operation];
  // As routed (hono decoded it), or the body's key field (a verification); only a well-formed key is kept below.
  let subject = asked.subject;
  let target: string | undefined;
  if (asked.withBody) {
    const body = (await c.req.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    const key = body?.[record.keyField];
    subject = typeof key === 'string' ? key : undefined;
  }
  if (asked.operation === 'business:search') {
    // Parsed as the route parses it, so a refused search names the same target as a served one.
    const query = BusinessSearchQuerySchema.safeParse(c.req.query());
    if (query.success) target = searchTarget(query.data.name, query.data.province);
  }
  const validSubject = record.subject.safeParse(subject).success;
  return {
    operation: asked.operation,
    subject: validSubject ? subject : undefined,
    target,
    purpose: clean(c.req.header('X-Purpose'), (v) => PurposeSchema.safeParse(v).success),
    officerId: clean(c.req.header('X-Officer-Id'), (v) => TRACE_ID.test(v)),
    caseId: clean(c.req.header('X-Case-Id'), (v) => TRACE_ID.test(v)),
  };
}

/**
 * Records every refused registry attempt of an identified caller in the audit trail (outcome "refused", with
 * its status and why), not metered or billed, and puts the record's receipt on the refusal (`X-Audit-Leaf`).
 * Registered before the token guard, so refusals of the guard itself (a token without a registry scope, a
 * revoked credential) are recorded too; a request without a valid token names no one and is not recorded.
 * RefusalRecorder bounds what a flood of refusals writes.
 */
export function recordRefusals(deps: GatewayDeps): MiddlewareHandler<AppEnv> {
  const recorder = new RefusalRecorder(deps.store, deps.tables.ledger, deps.logger);
  return async function recordRefusals(c, next) {
    // A refusal reaches here thrown (then answered by the app's error boundary) or already answered.
    let thrown: unknown;
    try {
      await next();
    } catch (error) {
      thrown = error;
    }
    const refusal = thrown ?? c.error;
    if (refusal instanceof AppError && REFUSALS.has(refusal.status)) {
      const leaf = await record(c, refusal);
      if (leaf && thrown) refusal.headers['X-Audit-Leaf'] = leaf;
      else if (leaf) c.res.headers.set('X-Audit-Leaf', leaf);
    }
    if (thrown) throw thrown;
  };

  async function record(c: Context<AppEnv>, refusal: AppError): Promise<string | undefined> {
    // The token guard names the caller as soon as the token verifies; a request without one names no one.
    const caller = c.get('caller') as { clientId: string; agencyId: string } | undefined;
    if (!caller) return undefined;
    const attempt = await attemptOf(c);
    if (!attempt) return undefined;
    return recorder.record({
      ...attempt,
      requestId: c.get('requestId'),
      at: deps.now(),
      clientId: caller.clientId,
      agencyId: caller.agencyId,
      status: refusal.status,
      reason: `${refusal.slug}: ${refusal.detail}`.slice(0, 500),
    });
  }
}

/** What a business search is recorded under (a search has no single subject). */
export const searchTarget = (name: string, province?: string | undefined) =>
  `search:${name}${province ? `@${province}` : ''}`.slice(0, 120);
