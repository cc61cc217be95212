import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { AuditEvent } from '../audit/model';
import type { AuditTrail } from '../audit/trail';
import type { SigningKeys } from '../auth/keys';
import { ConflictError, NotFoundError } from '../errors';
import type { Agency } from '../identity/model';
import type { PlanRepository } from '../identity/plans';
import type { ControlRepository } from '../identity/repository';
import type { PeriodCounters } from '../ledger/usage';
import type { BillingSettings } from './config';
import { type SignedStatement, signStatement } from './signed';
import {
  type AdjustmentLine,
  lateUsageAdjustments,
  NO_PLAN,
  netOfReversals,
  type PricingPlan,
  parsePlanRef,
  periodBounds,
  priceStatement,
  reversalAdjustments,
  type Statement,
} from './statement';
import type { CloseMarker, Reversal, StatementRepository } from './statement-repository';

export interface BillingDeps {
  control: ControlRepository;
  plans: PlanRepository;
  keys: SigningKeys;
  audit: AuditTrail;
  now: () => Date;
}

/** Who asks for a billing action: the caller and the request its audit record is named after. */
export interface BillingActor {
  clientId: string;
  agencyId: string;
  requestId: string;
}

/** Closed periods looked back on for late usage when a statement is generated. */
export const LATE_USAGE_LOOKBACK_PERIODS = 12;

export interface StatementView {
  statement: Statement;
  status: 'open' | 'closed';
  /** For a closed period: the stored, hashed and signed statement. */
  signed?: SignedStatement | undefined;
}

export interface PeriodClose {
  period: string;
  closedAt: string;
  statements: SignedStatement[];
}

type SigningKey = Awaited<ReturnType<SigningKeys['signingKey']>>;

/** Plan versions already read for one agency's statement (versions never change). */
type PlanCache = Map<string, Promise<PricingPlan | undefined>>;

const previousPeriod = (period: string, back: number) => {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) - back;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
};

/**
 * Statements from the ledger counters, the close of a period and the refund of a call. Every statement is a
 * fixed number of queries per agency (counters, plan versions, stored statements), whatever the call count.
 */
export class BillingService {
  constructor(
    private readonly deps: BillingDeps,
    private readonly statements: StatementRepository,
    private readonly settings: BillingSettings,
  ) {}

  /** The period's statement: the stored one once closed, else computed now (with late-usage adjustments). */
  async statement(agencyId: string, period: string): Promise<StatementView> {
    const stored = await this.statements.get(agencyId, period);
    if (stored) return { statement: stored.statement, status: 'closed', signed: stored };
    const agency = await this.agency(agencyId);
    return { statement: (await this.compute(agency, period)).statement, status: 'open' };
  }

  private async agency(agencyId: string): Promise<Agency> {
    const agency = await this.deps.control.getAgency(agencyId);
    if (!agency) throw new NotFoundError(`No agency ${agencyId}.`);
    return agency;
  }

  private async compute(agency: Agency, period: string): Promise<{ statement: Statement; metered: boolean }> {
    const first = previousPeriod(period, LATE_USAGE_LOOKBACK_PERIODS);
    const last = previousPeriod(period, 1);
    const [counters, closedAll, refunded] = await Promise.all([
      this.statements.counters(agency, period, period),
      this.statements.range(agency.id, first, last),
      this.statements.refundedPeriods(agency.id, first, last),
    ]);
    // Which closed months to price again. Late usage can only belong to the month just before: a call's ledger
    // write lands within seconds of its start (the function's timeout), and a month is closed only once it has
    // ended, so any earlier month's late calls were already there when the month after it was closed, and that
    // statement carries them. An older month is priced again only if it has ever had a refund.
    const closed = closedAll.filter((s) => s.statement.period === last || refunded.has(s.statement.period));
    const earlier = closed.length
      ? await this.statements.countersOf(
          agency,
          closed.map((s) => s.statement.period),
        )
      : [];
    const current = counters[0];
    const feePlan =
      (current && (await this.lastPlanMetered(agency.id, period, current))) ??
      (agency.planCode && agency.planVersion
        ? { code: agency.planCode, version: agency.planVersion }
        : { code: NO_PLAN.code, version: NO_PLAN.version });
    const plans: PlanCache = new Map();
    const adjustments: AdjustmentLine[] = [];
    for (const signed of closed) {
      adjustments.push(
        ...(await this.closedAdjustments(agency, signed.statement, closedAll, earlier, plans)),
      );
    }
    if (current && Object.keys(current.reversed).length) {
      const gross = await this.price(agency, period, current, feePlan, [], plans);
      const net = await this.price(agency, period, netOfReversals(current), feePlan, [], plans);
      adjustments.push(...reversalAdjustments(gross, net, []));
    }
    const statement = await this.price(agency, period, current, feePlan, adjustments, plans);
    return { statement, metered: current !== undefined || adjustments.length > 0 };
  }

  /** A closed month priced again: its late usage and its refunds, less what later statements already carried. */
  private async closedAdjustments(
    agency: Agency,
    closed: Statement,
    closedAll: SignedStatement[],
    earlier: PeriodCounters[],
    plans: PlanCache,
  ): Promise<AdjustmentLine[]> {
    const q = closed.period;
    // What every later closed statement already carried, not only those priced again: a month between may
    // hold this month's refund while having none of its own.
    const carried = closedAll.filter((s) => s.statement.period > q).flatMap((s) => s.statement.adjustments);
    const counted = earlier.find((c) => c.period === q);
    const recomputed = await this.price(agency, q, counted, closed.feePlan, [], plans);
    const net = await this.price(agency, q, netOfReversals(counted), closed.feePlan, [], plans);
    return [
      ...lateUsageAdjustments(closed, recomputed, carried),
      ...reversalAdjustments(recomputed, net, carried),
    ];
  }

  private price(
    agency: Agency,
    period: string,
    counters: PeriodCounters | undefined,
    feePlan: { code: string; version: number },
    adjustments: AdjustmentLine[],
    cache: PlanCache,
  ): Promise<Statement> {
    return priceStatement(this.deps.plans, cache, {
      agency: { id: agency.id, name: agency.name },
      period,
      counters,
      feePlan,
      adjustments,
      vatPercent: this.settings.vatPercent,
    });
  }

  /**
   * The plan version that metered the agency's last call of the period: the one in force at period end, whose
   * monthly fee and included calls apply. When the period used several versions, the newest entry across the
   * agency index's shards says which (one short query per shard).
   */
  private async lastPlanMetered(agencyId: string, period: string, counters: PeriodCounters) {
    // One version all month (the usual case): that is the last one, and no entry needs reading.
    const used = Object.keys(counters.plans);
    if (used.length === 1) return parsePlanRef(used[0]!);
    const ledger = await this.statements.lastEntry(agencyId, period);
    return ledger ? { code: ledger.plan, version: ledger.planVersion } : undefined;
  }

  /**
   * Refunds one billed call (e.g. served from a custodian copy later found wrong): appends a reversal, bumps
   * the period's reversed counter and writes the audit record, in one transaction. The call's entry and its
   * counters are never edited; the refund shows as an adjustment line (in the next open period if closed).
   */
  async reverse(
    input: {
      agencyId: string;
      period: string;
      requestId: string;
      idempotencyKey?: string | undefined;
      reason: string;
    },
    actor: BillingActor,
  ): Promise<Reversal> {
    const entryKey = input.idempotencyKey ?? input.requestId;
    const event = await this.statements.entryEvent(input.agencyId, input.period, entryKey);
    if (!event?.ledger || event.id !== input.requestId) {
      throw new NotFoundError(
        `No call ${input.requestId} of agency ${input.agencyId} is in the ledger for ${input.period}.`,
      );
    }
    if (!event.ledger.billable)
      throw new ConflictError(`Call ${input.requestId} was not billed; there is nothing to refund.`);
    const reversal: Reversal = {
      agencyId: input.agencyId,
      period: input.period,
      requestId: input.requestId,
      operation: event.action,
      plan: event.ledger.plan,
      planVersion: event.ledger.planVersion,
      reason: input.reason.normalize('NFC'),
      reversedAt: this.deps.now().toISOString(),
      reversedBy: actor.clientId,
    };
    await this.refundOnce(reversal, entryKey, {
      id: actor.requestId,
      at: reversal.reversedAt,
      kind: 'billing-action',
      actor: { clientId: actor.clientId, agencyId: actor.agencyId },
      action: 'billing.reversal',
      target: input.requestId,
      outcome: 'done',
      before: null,
      after: reversal,
    });
    return reversal;
  }

  /**
   * Writes a refund unless the call has one. A second request for the same call (often a retry whose first
   * answer was lost) is a 409 that carries the refund already made, so the caller learns what was credited.
   */
  private async refundOnce(reversal: Reversal, entryKey: string, event: AuditEvent): Promise<void> {
    try {
      await this.statements.appendReversal(reversal, entryKey, [this.deps.audit.putFor(event)]);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const existing = await this.statements.reversal(reversal.agencyId, reversal.period, entryKey);
      if (!existing) throw error;
      throw new ConflictError(
        `Call ${reversal.requestId} was already refunded at ${existing.reversedAt} by ${existing.reversedBy}; nothing more is credited.`,
        { extensions: { reversal: existing } },
      );
    }
  }

  /**
   * Freezes a period once it has ended in Asia/Ho_Chi_Minh: stores, hashes and signs the statement of every
   * agency with usage (or adjustments). A statement already stored is kept as it is, so closing again (or
   * finishing an interrupted close) returns the same statements and signatures.
   */
  async close(period: string, actor: BillingActor): Promise<PeriodClose> {
    const now = this.deps.now();
    assertEnded(period, now);
    const marker = await this.statements.getClosed(period);
    if (marker)
      return { period, closedAt: marker.closedAt, statements: await this.statements.ofPeriod(period) };
    const closedAt = now.toISOString();
    const key = await this.deps.keys.signingKey();
    const statements = await this.signAll(period, closedAt, key);
    return this.markClosed(
      { period, closedAt, kid: key.kid, statements: statements.length },
      statements,
      actor,
    );
  }

  /** The signed statement of every agency metered in the period, in agency order. */
  private async signAll(period: string, closedAt: string, key: SigningKey): Promise<SignedStatement[]> {
    const statements: SignedStatement[] = [];
    for (const agency of await this.deps.control.allAgencies()) {
      const signed = await this.signOne(agency, period, closedAt, key);
      if (signed) statements.push(signed);
    }
    return statements;
  }

  /** The agency's stored statement of the period; else its statement priced, signed and stored; none if unmetered. */
  private async signOne(
    agency: Agency,
    period: string,
    closedAt: string,
    key: SigningKey,
  ): Promise<SignedStatement | undefined> {
    const existing = await this.statements.get(agency.id, period);
    if (existing) return existing;
    const { statement, metered } = await this.compute(agency, period);
    if (!metered) return undefined;
    return this.statements.putOnce(agency.id, period, await signStatement(statement, closedAt, key));
  }

  /** Writes the close marker with the close's audit record; a concurrent close that won is answered instead. */
  private async markClosed(
    marker: CloseMarker,
    statements: SignedStatement[],
    actor: BillingActor,
  ): Promise<PeriodClose> {
    const { period, closedAt } = marker;
    try {
      await this.statements.putClosed(marker, [
        this.deps.audit.putFor(closeEvent(period, closedAt, statements, actor)),
      ]);
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      // A concurrent close wrote the marker first: answer with what it stored.
      if (await this.statements.getClosed(period)) return this.close(period, actor);
      throw error;
    }
    return { period, closedAt, statements };
  }
}

/** A period can be closed only once it has ended (midnight Asia/Ho_Chi_Minh): a 409 before. */
function assertEnded(period: string, now: Date): void {
  const { end } = periodBounds(period);
  if (now.getTime() < end.getTime()) {
    throw new ConflictError(
      `Period ${period} ends at ${end.toISOString()} (midnight Asia/Ho_Chi_Minh); it can be closed only after that.`,
      { extensions: { period, endsAt: end.toISOString() } },
    );
  }
}

/** The audit record of a close: the statements it stored, each by agency and hash. */
function closeEvent(
  period: string,
  closedAt: string,
  statements: SignedStatement[],
  actor: BillingActor,
): AuditEvent {
  return {
    id: actor.requestId,
    at: closedAt,
    kind: 'billing-action',
    actor: { clientId: actor.clientId, agencyId: actor.agencyId },
    action: 'billing.period.close',
    target: period,
    outcome: 'done',
    after: {
      period,
      statements: statements.map((s) => ({ agencyId: s.statement.agencyId, sha256: s.sha256 })),
    },
  };
}
