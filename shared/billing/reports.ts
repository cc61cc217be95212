import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { latestCheckpoint } from '../audit/log-state';
import { BadRequestError } from '../errors';
import type { PurposeNames, PurposeRepository } from '../identity/purposes';
import type { ControlRepository } from '../identity/repository';
import { periodOf } from '../ledger/period';
import type { CounterOwner } from '../ledger/usage';
import { shardCursor } from '../storage/sharded-query';
import type { TableNames } from '../storage/tables';
import { toVnd } from './money';
import type { BillingService } from './service';
import type { Reversal, StatementEntry, StatementRepository } from './statement-repository';

/** The most months one usage answer reads (every month costs its lanes); periodsBetween reads no more. */
export const MAX_USAGE_MONTHS = 240;

const monthsSpanned = (from: string, to: string) => {
  const [fy, fm] = from.split('-').map(Number) as [number, number];
  const [ty, tm] = to.split('-').map(Number) as [number, number];
  return (ty - fy) * 12 + (tm - fm) + 1;
};

export interface UsageQuery {
  /** A day (`YYYY-MM-DD`) or month (`YYYY-MM`) in Asia/Ho_Chi_Minh; defaults to the current month (or its first day). */
  from?: string | undefined;
  to?: string | undefined;
  granularity: 'day' | 'month';
}

export interface UsageRow {
  agencyId: string;
  period: string;
  day?: string;
  calls: number;
  billable?: number;
  operations: Record<string, { calls: number; billable?: number }>;
  purposes?: Record<string, Record<string, number>>;
}

export interface UsageReport {
  granularity: 'day' | 'month';
  from: string;
  to: string;
  breakdownAsOf?: string;
  items: UsageRow[];
  purposeNames: PurposeNames;
}

export interface ReportDeps {
  store: DynamoDBDocumentClient;
  tables: TableNames;
  control: ControlRepository;
  purposes: PurposeRepository;
  now: () => Date;
}

/**
 * Read-only billing reports: metered usage, the entries and refunds behind a statement, a finance summary of a
 * month and the spend against budget caps. Statements come from the billing service, so a report shows what
 * the statement routes show.
 */
export class BillingReports {
  constructor(
    private readonly deps: ReportDeps,
    private readonly statements: StatementRepository,
    private readonly billing: BillingService,
  ) {}

  /**
   * Metered usage of the given agencies from their ledger counters, by day or month: what /billing/usage answers
   * for finance and /me/usage for one agency. Each month costs its lanes (one BatchGetItem per 100) and one Query
   * of its sealed days per agency, plus one read of the latest checkpoint and one of the purpose names.
   */
  async usage(
    agencies: CounterOwner[],
    query: UsageQuery,
    maxMonths: number = MAX_USAGE_MONTHS,
  ): Promise<UsageReport> {
    const current = periodOf(this.deps.now());
    const from = query.from ?? (query.granularity === 'day' ? `${current.period}-01` : current.period);
    const to = query.to ?? (query.granularity === 'day' ? current.day : current.period);
    if (from.slice(0, 7) > to.slice(0, 7) || (from.length === 10 && to.length === 10 && from > to)) {
      throw new BadRequestError(`from (${from}) is after to (${to}).`);
    }
    const months = monthsSpanned(from, to);
    if (months > maxMonths) {
      throw new BadRequestError(
        `from (${from}) to (${to}) spans ${months} months; ask for at most ${maxMonths} at a time.`,
      );
    }
    const items: UsageRow[] = [];
    for (const agency of agencies) {
      const agencyId = agency.id;
      for (const counters of await this.statements.counters(agency, from.slice(0, 7), to.slice(0, 7), true)) {
        if (query.granularity === 'month') {
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
    // Days and purposes come from the sealed audit log: say up to when.
    const [checkpoint, purposeNames] = await Promise.all([
      latestCheckpoint(this.deps.store, this.deps.tables.ledger),
      this.deps.purposes.names(
        items.flatMap((row) => Object.values(row.purposes ?? {}).flatMap(Object.keys)),
      ),
    ]);
    const breakdownAsOf = checkpoint?.timestamp;
    return {
      granularity: query.granularity,
      from,
      to,
      ...(breakdownAsOf ? { breakdownAsOf } : {}),
      items,
      purposeNames,
    };
  }

  /** The ledger entries behind a statement's lines, oldest first, a page at a time. */
  async entries(
    agencyId: string,
    period: string,
    options: { operation?: string | undefined; cursor?: string | undefined; limit: number },
  ): Promise<{ items: StatementEntry[]; cursor?: string | undefined }> {
    const page = await this.statements.entries(agencyId, period, {
      operation: options.operation,
      after: shardCursor.decode(options.cursor),
      limit: options.limit,
    });
    return { items: page.items, cursor: shardCursor.encode(page.resumeAfter) };
  }

  /** The refunds of an agency's period, each naming the call it refunds. */
  reversals(agencyId: string, period: string): Promise<Reversal[]> {
    return this.statements.reversals(agencyId, period);
  }

  /** Month-to-date spend (the period's statement total, VAT included) of every agency with a budget cap. */
  async budgets(period: string) {
    const items = [];
    for (const agency of await this.deps.control.allAgencies()) {
      if (!agency.budget) continue;
      const { statement } = await this.billing.statement(agency.id, period);
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

  /**
   * Finance view of a period: totals by agency, operation and purpose, and the agencies that spend the most.
   * One statement per agency (a fixed number of reads each), never a scan of the entries.
   */
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
    for (const agency of await this.deps.control.allAgencies()) {
      const [counters] = await this.statements.counters(agency, period, period, true);
      const view = await this.billing.statement(agency.id, period);
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
}
