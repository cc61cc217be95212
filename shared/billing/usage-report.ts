import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { latestCheckpoint } from '../audit/log-state';
import { BadRequestError } from '../errors';
import type { PurposeNames, PurposeRepository } from '../identity/purposes';
import { periodOf } from '../ledger/period';
import { type CounterOwner, readCounters } from '../ledger/usage';
import type { TableNames } from '../storage/tables';

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

/**
 * Metered usage of the given agencies from their ledger counters, by day or month: what /billing/usage answers
 * for finance and /me/usage for one agency. Each month costs its lanes (one BatchGetItem per 100) and one Query
 * of its sealed days per agency, plus one read of the latest checkpoint and one of the purpose names.
 */
export async function usageReport(
  deps: { store: DynamoDBDocumentClient; tables: TableNames; purposes: PurposeRepository; now: () => Date },
  agencies: CounterOwner[],
  query: UsageQuery,
  maxMonths: number = MAX_USAGE_MONTHS,
): Promise<UsageReport> {
  const current = periodOf(deps.now());
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
    for (const counters of await readCounters(
      deps.store,
      deps.tables.ledger,
      agency,
      from.slice(0, 7),
      to.slice(0, 7),
      { days: true },
    )) {
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
    latestCheckpoint(deps.store, deps.tables.ledger),
    deps.purposes.names(items.flatMap((row) => Object.values(row.purposes ?? {}).flatMap(Object.keys))),
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
