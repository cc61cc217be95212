import { createHash } from 'node:crypto';
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { canonicalJson } from '../audit/canonical';
import type { AccessTokenClaims } from '../auth/tokens';
import { ForbiddenError, ServiceUnavailableError } from '../errors';
import type { Caller } from '../http/app';
import type { Operation } from '../identity/model';
import type { PlanLimits } from '../identity/plans';
import type { TableNames } from '../storage/tables';
import { type Commit, type Ledger, ledgerKeys, rateWindow } from './ledger';
import { periodOf } from './period';
import { type PeriodCounters, parseCounters } from './usage';

/** What the caller's token allows for one operation. */
export interface Authorization {
  operation: Operation;
  purpose: string;
  fields?: string[] | undefined;
  covertUntil?: string | undefined;
  limits: PlanLimits;
  policyVersion: number;
  /** An enforced monthly budget cap (VND, VAT included). */
  budgetCapVnd?: number | undefined;
}

/**
 * Checks scope and purpose from the token alone (no read): the token carries the agency's entitlements at
 * its policy version, and the ledger transaction refuses the token if that version is no longer current.
 */
export function authorize(caller: Caller, operation: Operation, purpose: string): Authorization {
  const claims = caller.claims as unknown as AccessTokenClaims;
  if (!caller.scopes.includes(operation)) {
    throw new ForbiddenError(`This call needs scope ${operation}; the token has ${claims.scope || 'none'}.`, {
      headers: {
        'WWW-Authenticate': `Bearer realm="national-data-gateway", error="insufficient_scope", scope="${operation}"`,
      },
    });
  }
  const entitlement = claims.ent?.[operation];
  if (!entitlement) throw new ForbiddenError(`Agency ${caller.agencyId} is not entitled to ${operation}.`);
  if (!entitlement.p.includes(purpose)) {
    throw new ForbiddenError(
      `Agency ${caller.agencyId} may not use ${operation} for purpose ${purpose}; its entitled purposes are: ${entitlement.p.join(', ')}.`,
      { extensions: { purpose, entitledPurposes: entitlement.p } },
    );
  }
  return {
    operation,
    purpose,
    fields: entitlement.f,
    covertUntil: entitlement.c,
    limits: claims.lim,
    policyVersion: claims.pv,
    budgetCapVnd: claims.bud?.cap,
  };
}

/** The usage counters as read with the record, for the RateLimit and X-Quota-Remaining headers. */
export interface UsageSnapshot {
  callsBefore: number;
  windowBefore: number;
  /** The agency's counters for the period as read (for the budget check); absent before its first call. */
  counters?: PeriodCounters | undefined;
}

/**
 * The record read and the usage counters in one BatchGetItem (one round trip): the record from the registry
 * table (when the register is hosted) and the agency's period counter and rate window from the ledger table.
 */
export async function readWithUsage(
  client: DynamoDBDocumentClient,
  tables: TableNames,
  agencyId: string,
  limits: PlanLimits,
  at: Date,
  recordKey?: Record<string, string>,
): Promise<{ record?: Record<string, unknown>; usage: UsageSnapshot }> {
  const counterKey = ledgerKeys.counter(agencyId, periodOf(at).period);
  const windowKey = ledgerKeys.rateWindow(agencyId, rateWindow(limits, at).start);
  const requestItems: Record<string, { Keys: Record<string, string>[] }> = {
    [tables.ledger]: { Keys: [counterKey, windowKey] },
  };
  if (recordKey) requestItems[tables.registry] = { Keys: [recordKey] };
  let pending: typeof requestItems | undefined = requestItems;
  const found: Record<string, unknown>[] = [];
  for (let attempt = 0; pending && Object.keys(pending).length; attempt++) {
    if (attempt === 4) {
      // Still throttled: answering "no such record" would be a lie, and answering without it impossible.
      throw new ServiceUnavailableError(
        'The register is busy; nothing was served or billed. Retry shortly.',
        1,
      );
    }
    if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
    const result = await client.send(new BatchGetCommand({ RequestItems: pending }));
    for (const items of Object.values(result.Responses ?? {})) found.push(...items);
    pending = result.UnprocessedKeys as typeof requestItems | undefined;
  }
  const match = (key: Record<string, string>) => found.find((i) => i.pk === key.pk && i.sk === key.sk);
  const record = recordKey ? match(recordKey) : undefined;
  return {
    ...(record ? { record } : {}),
    usage: {
      counters: match(counterKey) ? parseCounters(match(counterKey)!) : undefined,
      callsBefore: Number(match(counterKey)?.calls ?? 0),
      windowBefore: Number(match(windowKey)?.n ?? 0),
    },
  };
}

/** IETF httpapi RateLimit headers (draft) and X-Quota-Remaining, from the counters read before the call. */
export function usageHeaders(
  limits: PlanLimits,
  usage: UsageSnapshot,
  at: Date,
  counted: boolean,
): Record<string, string> {
  const window = rateWindow(limits, at);
  const { nextPeriodStart } = periodOf(at);
  const add = counted ? 1 : 0;
  const quotaLeft = Math.max(0, limits.q - usage.callsBefore - add);
  const windowLeft = Math.max(0, limits.b - usage.windowBefore - add);
  const monthSeconds = Math.max(1, Math.ceil((nextPeriodStart.getTime() - at.getTime()) / 1000));
  return {
    'RateLimit-Policy': `"burst";q=${limits.b};w=${window.seconds}, "month";q=${limits.q}`,
    RateLimit: `"burst";r=${windowLeft};t=${window.resetsIn}, "month";r=${quotaLeft};t=${monthSeconds}`,
    'X-Quota-Remaining': String(quotaLeft),
  };
}

/** Binds an Idempotency-Key to what was asked, so a reused key cannot fetch something else unbilled. */
export const fingerprint = (parts: unknown) =>
  createHash('sha256').update(canonicalJson(parts)).digest('hex');

export type { Commit, Ledger };
