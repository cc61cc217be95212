import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../audit/model';
import { type AuditTrail, auditIndexKeys } from '../audit/trail';
import type { SigningKeys } from '../auth/keys';
import { ConflictError, NotFoundError } from '../errors';
import type { Agency } from '../identity/model';
import type { PlanRepository } from '../identity/plans';
import type { ControlRepository } from '../identity/repository';
import { counterNames } from '../ledger/counters';
import { ledgerKeys } from '../ledger/ledger';
import { periodOf, periodsBetween, startOfVietnamDay } from '../ledger/period';
import { type PeriodCounters, queryPeriods, readCounters, readPeriodCounters } from '../ledger/usage';
import { batchGetAll } from '../storage/batch';
import { queryAll } from '../storage/paginate';
import { queryShards, shardCursor } from '../storage/sharded-query';
import type { TableNames } from '../storage/tables';
import { type TransactItem, transactOrConflict } from '../storage/transact';
import type { BillingSettings } from './config';
import { toVnd } from './money';
import { type SignedStatement, signStatement } from './signed';
import {
  type AdjustmentLine,
  lateUsageAdjustments,
  NO_PLAN,
  netOfReversals,
  type PricingPlan,
  parsePlanRef,
  priceStatement,
  reversalAdjustments,
  type Statement,
} from './statement';

export interface BillingDeps {
  store: DynamoDBDocumentClient;
  tables: TableNames;
  control: ControlRepository;
  plans: PlanRepository;
  keys: SigningKeys;
  audit: AuditTrail;
  now: () => Date;
}

/** Closed periods looked back on for late usage when a statement is generated. */
export const LATE_USAGE_LOOKBACK_PERIODS = 12;

/** Key layout of billing's items in the ledger table. */
export const billingKeys = {
  statement: (agencyId: string, period: string) => ({ pk: `STATEMENT#${agencyId}`, sk: `PERIOD#${period}` }),
  statementsOf: (period: string) => `STATEMENTS#${period}`,
  close: (period: string) => ({ pk: `CLOSE#${period}`, sk: 'CLOSE' }),
  reversal: (agencyId: string, period: string, entryKey: string) => ({
    pk: `REVERSAL#${agencyId}#${period}`,
    sk: entryKey,
  }),
};

/** A refund of one billed call: appended, never an edit; priced as an adjustment line. */
export interface Reversal {
  agencyId: string;
  period: string;
  /** The request id of the refunded call (its ledger entry and audit record). */
  requestId: string;
  operation: string;
  plan: string;
  planVersion: number;
  reason: string;
  reversedAt: string;
  reversedBy: string;
}

export interface StatementView {
  statement: Statement;
  status: 'open' | 'closed';
  /** For a closed period: the stored, hashed and signed statement. */
  signed?: SignedStatement | undefined;
}

/** One ledger entry behind a statement line. */
export interface StatementEntry {
  requestId: string;
  at: string;
  operation: string;
  purpose: string | undefined;
  status: number | undefined;
  billable: boolean;
  plan: string;
  planVersion: number;
  idempotencyKey: string | undefined;
}

export interface PeriodClose {
  period: string;
  closedAt: string;
  statements: SignedStatement[];
}

/** The UTC instants bounding a period (`YYYY-MM`) in Asia/Ho_Chi_Minh. */
export function periodBounds(period: string) {
  const position = periodOf(startOfVietnamDay(`${period}-01`));
  return { start: position.periodStart, end: position.nextPeriodStart };
}

const previousPeriod = (period: string, back: number) => {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) - back;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
};

/**
 * Statements from the ledger counters, the close of a period, and the entries behind a line. Every read is a
 * fixed number of queries per agency (counters, plan versions, stored statements), whatever the call count.
 */
export class BillingService {
  constructor(
    private readonly deps: BillingDeps,
    private readonly settings: BillingSettings,
  ) {}

  /** The period's statement: the stored one once closed, else computed now (with late-usage adjustments). */
  async statement(agencyId: string, period: string): Promise<StatementView> {
    const stored = await this.stored(agencyId, period);
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
      this.counters(agency, period, period),
      this.storedRange(agency.id, first, last),
      this.refundedPeriods(agency.id, first, last),
    ]);
    // Which closed months to price again. Late usage can only belong to the month just before: a call's ledger
    // write lands within seconds of its start (the function's timeout), and a month is closed only once it has
    // ended, so any earlier month's late calls were already there when the month after it was closed, and that
    // statement carries them. An older month is priced again only if it has ever had a refund.
    const closed = closedAll.filter((s) => s.statement.period === last || refunded.has(s.statement.period));
    const earlier = closed.length
      ? await readPeriodCounters(
          this.deps.store,
          this.deps.tables.ledger,
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
    const plans = new Map<string, Promise<PricingPlan | undefined>>();
    const adjustments: AdjustmentLine[] = [];
    for (const signed of closed) {
      const q = signed.statement.period;
      // What every later closed statement already carried, not only those priced again: a month between may
      // hold this month's refund while having none of its own.
      const carried = closedAll.filter((s) => s.statement.period > q).flatMap((s) => s.statement.adjustments);
      const recomputed = await this.price(
        agency,
        q,
        earlier.find((c) => c.period === q),
        signed.statement.feePlan,
        [],
        plans,
      );
      adjustments.push(...lateUsageAdjustments(signed.statement, recomputed, carried));
      const counted = earlier.find((c) => c.period === q);
      const net = await this.price(agency, q, netOfReversals(counted), signed.statement.feePlan, [], plans);
      adjustments.push(...reversalAdjustments(recomputed, net, carried));
    }
    if (current && Object.keys(current.reversed).length) {
      const gross = await this.price(agency, period, current, feePlan, [], plans);
      const net = await this.price(agency, period, netOfReversals(current), feePlan, [], plans);
      adjustments.push(...reversalAdjustments(gross, net, []));
    }
    const statement = await this.price(agency, period, current, feePlan, adjustments, plans);
    return { statement, metered: current !== undefined || adjustments.length > 0 };
  }

  private price(
    agency: Agency,
    period: string,
    counters: PeriodCounters | undefined,
    feePlan: { code: string; version: number },
    adjustments: AdjustmentLine[],
    /** Plan versions already read for this agency's statement (versions never change). */
    cache: Map<string, Promise<PricingPlan | undefined>>,
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

  /** The periods from..to that have a refund (their refund counter items: one batch, whatever the lanes). */
  private async refundedPeriods(agencyId: string, from: string, to: string): Promise<Set<string>> {
    const periods = periodsBetween(from, to);
    const items = await batchGetAll(
      this.deps.store,
      this.deps.tables.ledger,
      periods.map((p) => ledgerKeys.adjustments(agencyId, p)),
      true,
    );
    return new Set(
      items
        .filter((item) => Object.keys(item).some((name) => name.startsWith('reversed#')))
        .map((item) => item.period as string),
    );
  }

  /** Counters for pricing: the lanes (and refunds) only; the daily breakdown is for usage reports. */
  private counters(agency: Agency, from: string, to: string, days = false) {
    return readCounters(this.deps.store, this.deps.tables.ledger, agency, from, to, { days });
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
    const { items } = await queryShards(this.deps.store, {
      ...this.entriesOf(agencyId, period),
      forward: false,
      limit: 1,
    });
    const ledger = (items[0]?.event as AuditEvent | undefined)?.ledger;
    return ledger ? { code: ledger.plan, version: ledger.planVersion } : undefined;
  }

  /** The agency's ledger entries of a period in the (sharded) agency index: served calls that were counted. */
  private entriesOf(agencyId: string, period: string, operation?: string) {
    const { start, end } = periodBounds(period);
    const names: Record<string, string> = { '#event': 'event', '#ledger': 'ledger', '#period': 'period' };
    const values: Record<string, unknown> = { ':period': period };
    let expression = '#event.#ledger.#period = :period';
    if (operation) {
      names['#action'] = 'action';
      values[':operation'] = operation;
      expression += ' AND #event.#action = :operation';
    }
    return {
      tableName: this.deps.tables.ledger,
      indexName: 'gsi1',
      pkAttribute: 'gsi1pk',
      skAttribute: 'gsi1sk',
      partitionKeys: auditIndexKeys.agencyShards(agencyId),
      from: start.toISOString(),
      to: `${new Date(end.getTime() - 1).toISOString()}#\uffff`,
      filter: { expression, names, values },
    };
  }

  private async stored(agencyId: string, period: string): Promise<SignedStatement | undefined> {
    const { Item } = await this.deps.store.send(
      new GetCommand({
        TableName: this.deps.tables.ledger,
        Key: billingKeys.statement(agencyId, period),
        ConsistentRead: true,
      }),
    );
    return Item?.signed as SignedStatement | undefined;
  }

  private async storedRange(agencyId: string, from: string, to: string): Promise<SignedStatement[]> {
    const items = await queryPeriods(
      this.deps.store,
      this.deps.tables.ledger,
      (p) => billingKeys.statement(agencyId, p),
      from,
      to,
    );
    return items.map((i) => i.signed as SignedStatement);
  }

  private async closedStatements(period: string): Promise<SignedStatement[]> {
    const items = await queryAll(this.deps.store, {
      TableName: this.deps.tables.ledger,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': billingKeys.statementsOf(period) },
    });
    return items.map((i) => i.signed as SignedStatement);
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
    actor: { clientId: string; agencyId: string; requestId: string },
  ): Promise<Reversal> {
    const entryKey = input.idempotencyKey ?? input.requestId;
    const { Item } = await this.deps.store.send(
      new GetCommand({
        TableName: this.deps.tables.ledger,
        Key: ledgerKeys.entry(input.agencyId, input.period, entryKey),
        ConsistentRead: true,
      }),
    );
    const event = Item?.event as AuditEvent | undefined;
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
    await this.refundOnce(input, entryKey, [
      {
        Put: {
          TableName: this.deps.tables.ledger,
          Item: { ...billingKeys.reversal(input.agencyId, input.period, entryKey), reversal },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Update: {
          TableName: this.deps.tables.ledger,
          Key: ledgerKeys.adjustments(input.agencyId, input.period),
          UpdateExpression: 'SET agencyId = :agency, #period = :period ADD #reversed :one',
          ExpressionAttributeNames: {
            '#reversed': counterNames.reversed(reversal.operation, reversal.plan, reversal.planVersion),
            '#period': 'period',
          },
          ExpressionAttributeValues: { ':one': 1, ':agency': input.agencyId, ':period': input.period },
        },
      },
      this.deps.audit.putFor({
        id: actor.requestId,
        at: reversal.reversedAt,
        kind: 'billing-action',
        actor: { clientId: actor.clientId, agencyId: actor.agencyId },
        action: 'billing.reversal',
        target: input.requestId,
        outcome: 'done',
        before: null,
        after: reversal,
      }),
    ]);
    return reversal;
  }

  /**
   * Writes a refund unless the call has one. A second request for the same call (often a retry whose first
   * answer was lost) is a 409 that carries the refund already made, so the caller learns what was credited.
   */
  private async refundOnce(
    input: { agencyId: string; period: string; requestId: string },
    entryKey: string,
    items: TransactItem[],
  ): Promise<void> {
    try {
      await transactOrConflict(this.deps.store, items, `Call ${input.requestId} was already refunded.`);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const { Item } = await this.deps.store.send(
        new GetCommand({
          TableName: this.deps.tables.ledger,
          Key: billingKeys.reversal(input.agencyId, input.period, entryKey),
          ConsistentRead: true,
        }),
      );
      const existing = Item?.reversal as Reversal | undefined;
      if (!existing) throw error;
      throw new ConflictError(
        `Call ${input.requestId} was already refunded at ${existing.reversedAt} by ${existing.reversedBy}; nothing more is credited.`,
        { extensions: { reversal: existing } },
      );
    }
  }

  /** The refunds of an agency's period, each naming the call it refunds. */
  async reversals(agencyId: string, period: string): Promise<Reversal[]> {
    const { Items = [] } = await this.deps.store.send(
      new QueryCommand({
        TableName: this.deps.tables.ledger,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': billingKeys.reversal(agencyId, period, '').pk },
        ConsistentRead: true,
      }),
    );
    return Items.map((i) => i.reversal as Reversal);
  }

  /**
   * Freezes a period once it has ended in Asia/Ho_Chi_Minh: stores, hashes and signs the statement of every
   * agency with usage (or adjustments). A statement already stored is kept as it is, so closing again (or
   * finishing an interrupted close) returns the same statements and signatures.
   */
  async close(
    period: string,
    actor: { clientId: string; agencyId: string; requestId: string },
  ): Promise<PeriodClose> {
    const { end } = periodBounds(period);
    const now = this.deps.now();
    if (now.getTime() < end.getTime()) {
      throw new ConflictError(
        `Period ${period} ends at ${end.toISOString()} (midnight Asia/Ho_Chi_Minh); it can be closed only after that.`,
        { extensions: { period, endsAt: end.toISOString() } },
      );
    }
    const marker = await this.deps.store.send(
      new GetCommand({
        TableName: this.deps.tables.ledger,
        Key: billingKeys.close(period),
        ConsistentRead: true,
      }),
    );
    if (marker.Item) {
      return {
        period,
        closedAt: marker.Item.closedAt as string,
        statements: await this.closedStatements(period),
      };
    }

    const closedAt = now.toISOString();
    const key = await this.deps.keys.signingKey();
    const statements: SignedStatement[] = [];
    for (const agency of await this.allAgencies()) {
      const existing = await this.stored(agency.id, period);
      if (existing) {
        statements.push(existing);
        continue;
      }
      const { statement, metered } = await this.compute(agency, period);
      if (!metered) continue;
      const signed = await signStatement(statement, closedAt, key);
      try {
        await this.deps.store.send(
          new PutCommand({
            TableName: this.deps.tables.ledger,
            Item: {
              ...billingKeys.statement(agency.id, period),
              gsi1pk: billingKeys.statementsOf(period),
              gsi1sk: agency.id,
              signed,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        statements.push(signed);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // Another close stored this agency's statement first: that one stands.
        const raced = await this.stored(agency.id, period);
        if (!raced) throw error;
        statements.push(raced);
      }
    }

    const event: AuditEvent = {
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
    try {
      await this.deps.store.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.deps.tables.ledger,
                Item: {
                  ...billingKeys.close(period),
                  period,
                  closedAt,
                  kid: key.kid,
                  statements: statements.length,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            this.deps.audit.putFor(event),
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      // A concurrent close wrote the marker first: answer with what it stored.
      if (await this.isClosed(period)) return this.close(period, actor);
      throw error;
    }
    return { period, closedAt, statements };
  }

  private async isClosed(period: string): Promise<boolean> {
    const { Item } = await this.deps.store.send(
      new GetCommand({
        TableName: this.deps.tables.ledger,
        Key: billingKeys.close(period),
        ConsistentRead: true,
      }),
    );
    return Item !== undefined;
  }

  /** The ledger entries behind a statement's lines, oldest first, a page at a time. */
  async entries(
    agencyId: string,
    period: string,
    options: { operation?: string | undefined; cursor?: string | undefined; limit: number },
  ): Promise<{ items: StatementEntry[]; cursor?: string | undefined }> {
    const page = await queryShards(this.deps.store, {
      ...this.entriesOf(agencyId, period, options.operation),
      after: shardCursor.decode(options.cursor),
      forward: true,
      limit: options.limit,
    });
    const items: StatementEntry[] = [];
    for (const item of page.items) {
      const event = item.event as AuditEvent;
      if (!event.ledger) continue;
      items.push({
        requestId: event.id,
        at: event.at,
        operation: event.action,
        purpose: event.purpose,
        status: event.status,
        billable: event.ledger.billable,
        plan: event.ledger.plan,
        planVersion: event.ledger.planVersion,
        idempotencyKey: event.ledger.idempotencyKey,
      });
    }
    return { items, cursor: shardCursor.encode(page.resumeAfter) };
  }

  /**
   * Finance view of a period: totals by agency, operation and purpose, and the agencies that spend the most.
   * One statement per agency (a fixed number of reads each), never a scan of the entries.
   */
  /** Month-to-date spend (the period's statement total, VAT included) of every agency with a budget cap. */
  async budgets(period: string) {
    const items = [];
    for (const agency of await this.allAgencies()) {
      if (!agency.budget) continue;
      const { statement } = await this.statement(agency.id, period);
      items.push({
        agencyId: agency.id,
        agencyName: agency.name,
        capVnd: agency.budget.capVnd,
        enforce: agency.budget.enforce,
        spentVnd: statement.totalVnd,
        remainingVnd: Math.max(0, agency.budget.capVnd - statement.totalVnd),
        reached: statement.totalVnd >= agency.budget.capVnd,
      });
    }
    return { period, items };
  }

  async summary(period: string, top: number) {
    const byOperation: Record<string, { calls: number; billable: number; amountVnd: number }> = {};
    const byPurpose: Record<string, Record<string, number>> = {};
    const agencies: {
      agencyId: string;
      agencyName: string;
      status: 'open' | 'closed';
      calls: number;
      billable: number;
      totalVnd: number;
    }[] = [];
    let totalVnd = 0n;
    for (const agency of await this.allAgencies()) {
      const [counters] = await this.counters(agency, period, period, true);
      const view = await this.statement(agency.id, period);
      if (!counters && view.status === 'open' && view.statement.adjustments.length === 0) continue;
      for (const line of view.statement.lines) {
        const row = byOperation[line.operation] ?? { calls: 0, billable: 0, amountVnd: 0 };
        byOperation[line.operation] = row;
        row.calls += line.calls;
        row.billable += line.billable;
        row.amountVnd = toVnd(BigInt(row.amountVnd) + BigInt(line.amountVnd));
      }
      for (const [operation, purposes] of Object.entries(counters?.purposes ?? {})) {
        const row = byPurpose[operation] ?? {};
        byPurpose[operation] = row;
        for (const [purpose, calls] of Object.entries(purposes)) row[purpose] = (row[purpose] ?? 0) + calls;
      }
      totalVnd += BigInt(view.statement.totalVnd);
      agencies.push({
        agencyId: agency.id,
        agencyName: agency.name,
        status: view.status,
        calls: counters?.calls ?? 0,
        billable: counters?.billable ?? 0,
        totalVnd: view.statement.totalVnd,
      });
    }
    const topAgencies = [...agencies]
      .sort((a, b) => b.totalVnd - a.totalVnd || b.calls - a.calls || (a.agencyId < b.agencyId ? -1 : 1))
      .slice(0, top);
    return { period, totalVnd: toVnd(totalVnd), agencies, byOperation, byPurpose, topAgencies };
  }

  private allAgencies(): Promise<Agency[]> {
    return this.deps.control.allAgencies();
  }
}
