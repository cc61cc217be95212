import { createHash } from 'node:crypto';
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { canonicalJson } from '../audit/canonical';
import type { Caller } from '../auth/caller';
import { insufficientScope } from '../auth/challenge';
import { assertTokenLive } from '../auth/tokens';
import { ForbiddenError, ServiceUnavailableError } from '../errors';
import type { Operation } from '../identity/model';
import type { Limits } from '../identity/plans';
import type { ControlRepository } from '../identity/repository';
import { controlKeys } from '../storage/keys/control';
import { UNPROCESSED_RETRY, untilProcessed } from '../storage/retry';
import type { TableNames } from '../storage/tables';
import type { Commit, LaneReading, Ledger } from './ledger';

/** What the caller's token allows for one operation. */
export interface Authorization {
  operation: Operation;
  purpose: string;
  fields?: string[] | undefined;
  covertUntil?: string | undefined;
  limits: Limits;
  policyVersion: number;
  /** An enforced monthly budget cap (VND, VAT included). */
  budgetCapVnd?: number | undefined;
}

/**
 * Checks scope and purpose from the token alone (no read): the token carries the agency's entitlements at
 * its policy version, and the first round trip refuses the token if that version is no longer current.
 */
export function authorize(caller: Caller, operation: Operation, purpose: string): Authorization {
  const { claims } = caller;
  if (!caller.scopes.includes(operation)) throw insufficientScope('This call', [operation], caller.scopes);
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
    limits: claims.limits,
    policyVersion: claims.pv,
    budgetCapVnd: claims.bud?.cap,
  };
}

/**
 * authorize(), where a refusal is first told apart from a stale token: a token minted before its agency's
 * entitlements were widened (a new purpose, operation or field) refuses what a new token would allow, so it is
 * no longer valid (401 invalid_token, and client libraries get a new one), not forbidden. Costs one consistent
 * read, on the refused path only; a call that passes goes on with no read, as before.
 */
export async function authorizeLive(
  control: ControlRepository,
  caller: Caller,
  operation: Operation,
  purpose: string,
): Promise<Authorization> {
  try {
    return authorize(caller, operation, purpose);
  } catch (error) {
    if (!(error instanceof ForbiddenError)) throw error;
    const { credential, agency } = await control.getCredentialWithAgency(caller.clientId, caller.agencyId);
    assertTokenLive({ agencyId: caller.agencyId, policyVersion: caller.claims.pv }, credential, agency);
    throw error;
  }
}

/** What the first round trip of a brokered call read: the record (if hosted here) and the agency's lanes. */
export interface CallReading {
  record?: Record<string, unknown> | undefined;
  lanes: LaneReading;
}

/**
 * The first round trip of a brokered call, one BatchGetItem: the credential and the agency, read consistently
 * (a call that starts after a revocation, a suspension or a policy change commits is refused, whatever its
 * token says), the record from the registry table when the register is hosted, and two lanes of the agency's
 * month counter and rate window (eventually consistent: a lane's count only grows, so a stale read can only
 * make a full lane look open, and the transaction's condition then says so).
 */
export async function readForCall(
  client: DynamoDBDocumentClient,
  tables: TableNames,
  ledger: Ledger,
  call: {
    clientId: string;
    agencyId: string;
    policyVersion: number;
    limits: Limits;
    at: Date;
  },
  recordKey?: Record<string, string>,
): Promise<CallReading> {
  const plan = ledger.plan(call.agencyId, call.limits, call.at, call.policyVersion);
  const credentialKey = controlKeys.credential(call.clientId);
  const agencyKey = controlKeys.agency(call.agencyId);
  const requestItems: Record<string, { Keys: Record<string, string>[]; ConsistentRead?: boolean }> = {
    [tables.control]: { Keys: [credentialKey, agencyKey], ConsistentRead: true },
  };
  if (plan.keys.length) requestItems[tables.ledger] = { Keys: plan.keys };
  if (recordKey) requestItems[tables.registry] = { Keys: [recordKey] };
  const found: Record<string, Record<string, unknown>[]> = {};
  await untilProcessed(
    requestItems,
    async (pending) => {
      const result = await client.send(new BatchGetCommand({ RequestItems: pending }));
      for (const [table, items] of Object.entries(result.Responses ?? {})) {
        found[table] = [...(found[table] ?? []), ...items];
      }
      const left = result.UnprocessedKeys as typeof requestItems | undefined;
      return left && Object.keys(left).length ? left : undefined;
    },
    {
      // A registry call waits on this read: four sends, 40, 80 and 160 ms apart, then a 503.
      ...UNPROCESSED_RETRY,
      attempts: 4,
      // Still throttled: answering "no such record" would be a lie, and answering without it impossible.
      exhausted: () =>
        new ServiceUnavailableError('The register is busy; nothing was served or billed. Retry shortly.', 1),
    },
  );
  const control = found[tables.control] ?? [];
  assertTokenLive(
    call,
    control.find((i) => i.pk === credentialKey.pk),
    control.find((i) => i.pk === agencyKey.pk),
  );
  const record = recordKey
    ? (found[tables.registry] ?? []).find((i) => i.pk === recordKey.pk && i.sk === recordKey.sk)
    : undefined;
  return {
    ...(record ? { record } : {}),
    lanes: ledger.observe(
      call.agencyId,
      call.limits,
      call.at,
      call.policyVersion,
      plan,
      found[tables.ledger] ?? [],
    ),
  };
}

/** Binds an Idempotency-Key to what was asked, so a reused key cannot fetch something else unbilled. */
export const fingerprint = (parts: unknown) =>
  createHash('sha256').update(canonicalJson(parts)).digest('hex');

export type { Commit, Ledger };
