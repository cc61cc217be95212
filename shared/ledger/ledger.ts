import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AuditEvent } from '../audit/model';
import { auditItem } from '../audit/trail';
import { invalidToken } from '../auth/tokens';
import { ConflictError, ForbiddenError, ServiceUnavailableError, TooManyRequestsError } from '../errors';
import { isDependencyUnavailable } from '../http/problem';
import type { Operation } from '../identity/model';
import type { PlanLimits } from '../identity/plans';
import { controlKeys, type TransactItem } from '../identity/repository';
import type { Logger } from '../log';
import type { TableNames } from '../storage/tables';
import { periodOf } from './period';

/** One brokered call, as it is metered, billed and audited. */
export interface MeteredCall {
  requestId: string;
  /** The caller's Idempotency-Key: a retry with it in the same period is answered again, counted once. */
  idempotencyKey?: string | undefined;
  at: Date;
  clientId: string;
  agencyId: string;
  policyVersion: number;
  limits: PlanLimits;
  operation: Operation;
  purpose: string;
  officerId?: string | undefined;
  caseId?: string | undefined;
  /** The national ID or enterprise code looked at (absent for a search). */
  subject?: string | undefined;
  /** What a search asked for (a search has no single subject). */
  target?: string | undefined;
  /** What was asked, hashed: an idempotency key reused for a different request is refused. */
  fingerprint: string;
  /** The HTTP status the caller gets (200 served, 404 no such record). */
  status: number;
  covertUntil?: string | undefined;
}

export type Commit = { outcome: 'committed' } | { outcome: 'replayed'; originalRequestId: string };

/** Key layout of the ledger table's metering items. */
export const ledgerKeys = {
  counter: (agencyId: string, period: string) => ({ pk: `COUNTER#${agencyId}`, sk: `PERIOD#${period}` }),
  rateWindow: (agencyId: string, windowStart: number) => ({ pk: `RATE#${agencyId}`, sk: `W#${windowStart}` }),
  entry: (agencyId: string, period: string, key: string) => ({
    pk: `ENTRY#${agencyId}#${period}#${key}`,
    sk: 'ENTRY',
  }),
};

/**
 * A fixed window of ceil(burst / perSecond) seconds admitting `burst` calls: the long-run rate never exceeds
 * perSecond, a full burst is available at each window start, and at a window boundary at most 2 x burst
 * calls can pass within one window's length (the usual fixed-window edge; stated in the README).
 */
export function rateWindow(limits: PlanLimits, at: Date) {
  const seconds = Math.max(1, Math.ceil(limits.b / limits.r));
  const epoch = Math.floor(at.getTime() / 1000);
  const start = epoch - (epoch % seconds);
  return { seconds, start, resetsIn: start + seconds - epoch };
}

/** Counter attribute names, flat so that ADD creates them on first use. */
export const counterNames = {
  opCalls: (op: string) => `calls#${op}`,
  opBillable: (op: string, plan: string, version: number) => `billable#${op}#${plan}@${version}`,
  dayCalls: (day: string, op: string) => `day#${day.slice(8, 10)}#${op}`,
  purpose: (op: string, purpose: string) => `purpose#${op}#${purpose}`,
  reversed: (op: string, plan: string, version: number) => `reversed#${op}#${plan}@${version}`,
};

const MAX_CONFLICT_RETRIES = 6;
const MAX_TRANSIENT_RETRIES = 2;

/** The audit record of a served call: who, what, about whom, why, and how it was metered. */
function callEvent(call: MeteredCall, extra: Pick<AuditEvent, 'ledger' | 'replayOf'>): AuditEvent {
  return {
    id: call.requestId,
    at: call.at.toISOString(),
    kind: 'registry-call',
    actor: { clientId: call.clientId, agencyId: call.agencyId },
    action: call.operation,
    subject: call.subject,
    target: call.target,
    purpose: call.purpose,
    officerId: call.officerId,
    caseId: call.caseId,
    outcome: 'served',
    status: call.status,
    covertUntil: call.covertUntil,
    ...extra,
  };
}

/**
 * The one ledger writer. Each served call is one TransactWriteItems that (1) checks the credential is
 * active, (2) checks the agency is active at the token's policy version, (3) bumps the period counter below
 * the monthly quota, (4) bumps the rate window below the burst, and (5) appends the ledger entry, which is
 * also the call's audit record, on a key that makes a retry a no-op. All or nothing: a call that is not
 * written is not served, and a written call is counted exactly once.
 */
export class Ledger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: TableNames,
    private readonly logger: Logger,
  ) {}

  /** Whether an agency's Idempotency-Key already counted a call in the period of `at` (a retry would replay it). */
  async counted(agencyId: string, at: Date, idempotencyKey: string): Promise<boolean> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tables.ledger,
        Key: ledgerKeys.entry(agencyId, periodOf(at).period, idempotencyKey),
        ProjectionExpression: 'pk',
        ConsistentRead: true,
      }),
    );
    return Item !== undefined;
  }

  async commit(call: MeteredCall): Promise<Commit> {
    const { period, day, nextPeriodStart } = periodOf(call.at);
    const billable = call.status === 200 ? 1 : 0;
    const entryKey = ledgerKeys.entry(call.agencyId, period, call.idempotencyKey ?? call.requestId);
    const event = callEvent(call, {
      ledger: {
        period,
        day,
        plan: call.limits.plan,
        planVersion: call.limits.v,
        billable: billable === 1,
        idempotencyKey: call.idempotencyKey,
      },
    });
    const quota: TransactItem = {
      Update: {
        TableName: this.tables.ledger,
        Key: ledgerKeys.counter(call.agencyId, period),
        UpdateExpression:
          'SET agencyId = :agency, #period = :period ADD calls :one, billable :billable, #opCalls :one, #opBillable :billable, #day :one, #purpose :one',
        // A quota of 0 serves nothing: the first call must also find room.
        ConditionExpression: '(attribute_not_exists(calls) AND :quota > :zero) OR calls < :quota',
        ExpressionAttributeNames: {
          '#period': 'period',
          '#opCalls': counterNames.opCalls(call.operation),
          '#opBillable': counterNames.opBillable(call.operation, call.limits.plan, call.limits.v),
          '#day': counterNames.dayCalls(day, call.operation),
          '#purpose': counterNames.purpose(call.operation, call.purpose),
        },
        ExpressionAttributeValues: {
          ':agency': call.agencyId,
          ':period': period,
          ':one': 1,
          ':zero': 0,
          ':billable': billable,
          ':quota': call.limits.q,
        },
      },
    };
    const entry: TransactItem = {
      Put: {
        TableName: this.tables.ledger,
        Item: { ...auditItem(event), ...entryKey, fingerprint: call.fingerprint },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
    const outcome = await this.transact(call, [quota, entry], call.requestId);
    if (outcome.failed === entry) {
      // Our own first attempt landed and only its answer was lost (see transact): it is this call's entry.
      const stored = outcome.item ? unmarshall(outcome.item as never) : undefined;
      if ((stored?.event as AuditEvent | undefined)?.id === call.requestId) return { outcome: 'committed' };
      return this.replay(call, outcome.item);
    }
    if (outcome.failed === quota) {
      const retryAfter = Math.max(1, Math.ceil((nextPeriodStart.getTime() - call.at.getTime()) / 1000));
      throw new TooManyRequestsError(
        `Agency ${call.agencyId} has used its monthly quota of ${call.limits.q} calls for ${period}; it resets at ${nextPeriodStart.toISOString()}.`,
        retryAfter,
        { extensions: { limit: 'monthly-quota', quota: call.limits.q, period } },
      );
    }
    return { outcome: 'committed' };
  }

  /**
   * Writes `items` together with the liveness checks (credential, agency at the token's policy version) and
   * the rate window, in one transaction. Liveness and rate failures are thrown; which of `items` failed its
   * condition (if any) is returned, with the stored item when the caller asked for it.
   */
  private async transact(
    call: MeteredCall,
    items: TransactItem[],
    clientToken?: string,
  ): Promise<{ failed?: TransactItem; item?: Record<string, unknown> }> {
    const window = rateWindow(call.limits, call.at);
    const checks: TransactItem[] = [
      {
        ConditionCheck: {
          TableName: this.tables.control,
          Key: controlKeys.credential(call.clientId),
          ConditionExpression: '#status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':active': 'active' },
        },
      },
      {
        ConditionCheck: {
          TableName: this.tables.control,
          Key: controlKeys.agency(call.agencyId),
          ConditionExpression: '#status = :active AND policyVersion = :pv',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':active': 'active', ':pv': call.policyVersion },
        },
      },
      {
        Update: {
          TableName: this.tables.ledger,
          Key: ledgerKeys.rateWindow(call.agencyId, window.start),
          UpdateExpression: 'SET expiresAt = :ttl ADD n :one',
          ConditionExpression: 'attribute_not_exists(n) OR n < :burst',
          ExpressionAttributeValues: {
            ':one': 1,
            ':burst': call.limits.b,
            ':ttl': window.start + window.seconds + 3600,
          },
        },
      },
    ];
    const all = [...checks, ...items];
    let lostAnswers = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        // The request id as client token: if a timeout hides a write that did happen, a retry is a no-op.
        await this.client.send(
          new TransactWriteCommand({ TransactItems: all, ClientRequestToken: clientToken }),
        );
        return {};
      } catch (error) {
        // A timeout or 5xx may hide a write that landed: answering 503 then would bill a call never served.
        // The same transaction again (same client token) either lands now or finds this call's own entry.
        const cancelled = error instanceof TransactionCanceledException;
        if (
          clientToken &&
          !cancelled &&
          isDependencyUnavailable(error) &&
          lostAnswers < MAX_TRANSIENT_RETRIES
        ) {
          await new Promise((r) => setTimeout(r, 25 * 2 ** lostAnswers++));
          continue;
        }
        if (!(error instanceof TransactionCanceledException)) throw this.unavailable(call, error);
        const reasons = error.CancellationReasons ?? [];
        const codes = reasons.map((r) => r.Code ?? 'None');
        if (codes.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed')) {
          if (attempt >= MAX_CONFLICT_RETRIES) throw this.unavailable(call, error);
          await new Promise((r) => setTimeout(r, Math.random() * 10 * 2 ** attempt));
          continue;
        }
        const failed = (i: number) => codes[i] === 'ConditionalCheckFailed';
        if (failed(0)) throw invalidToken('The credential this token was issued to has been revoked.');
        if (failed(1)) {
          throw new ForbiddenError(
            `Agency ${call.agencyId} is suspended, or its entitlements or plan changed after this token was issued: request a new token.`,
            {
              headers: { 'WWW-Authenticate': 'Bearer realm="national-data-gateway", error="invalid_token"' },
            },
          );
        }
        // A used Idempotency-Key makes this a replay, whatever else failed with it: a retry of the call that
        // took the last of the quota is answered again (uncounted), not refused. The rate applies in replay().
        const replay = items.findIndex(
          (item, i) =>
            failed(checks.length + i) && item.Put?.ReturnValuesOnConditionCheckFailure === 'ALL_OLD',
        );
        if (replay >= 0) {
          return {
            failed: items[replay],
            item: reasons[checks.length + replay]?.Item as Record<string, unknown>,
          };
        }
        const index = items.findIndex((_, i) => failed(checks.length + i));
        if (failed(2)) {
          throw new TooManyRequestsError(
            `Rate limit: at most ${call.limits.b} calls per ${window.seconds} s (${call.limits.r}/s sustained) for agency ${call.agencyId}.`,
            window.resetsIn,
            { extensions: { limit: 'rate', burst: call.limits.b, perSecond: call.limits.r } },
          );
        }
        if (index >= 0) return { failed: items[index] };
        throw this.unavailable(call, error);
      }
    }
  }

  /**
   * A retry with a used Idempotency-Key. It must be the same request (fingerprint); the data leaves again, so
   * it is audited, and it passes the same liveness and rate checks as a new call, but it is not counted.
   */
  private async replay(call: MeteredCall, stored: Record<string, unknown> | undefined): Promise<Commit> {
    const original = stored ? unmarshall(stored as never) : undefined;
    if (!original || original.fingerprint !== call.fingerprint) {
      throw new ConflictError(
        'This Idempotency-Key was already used in this billing period for a different request; use a new key.',
      );
    }
    const originalRequestId = (original.event as AuditEvent).id;
    const record: TransactItem = {
      Put: {
        TableName: this.tables.ledger,
        Item: auditItem(callEvent(call, { replayOf: originalRequestId })),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    const outcome = await this.transact(call, [record]);
    if (outcome.failed) throw this.unavailable(call, new Error('replay record already written'));
    return { outcome: 'replayed', originalRequestId };
  }

  private unavailable(call: MeteredCall, error: unknown): ServiceUnavailableError {
    // The alarm's metric filter matches this message: keep it stable.
    this.logger.error('ledger write failed', {
      requestId: call.requestId,
      agencyId: call.agencyId,
      operation: call.operation,
      errorName: error instanceof Error ? error.name : typeof error,
    });
    return new ServiceUnavailableError(
      'The gateway could not record this call in its ledger, so it was not served or billed. Retry shortly.',
      1,
    );
  }
}
