import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from '../storage/batch';
import { laneKeys, ledgerKeys, usageKeys } from '../storage/keys/ledger';
import { parseCounter, parseDayCounter } from './counters';
import { DEFAULT_LANES } from './lanes';
import { periodsBetween } from './period';

/** One agency's counters for one period: the sum of its lanes, its refunds, and its sealed daily usage. */
export interface PeriodCounters {
  agencyId: string;
  period: string;
  calls: number;
  billable: number;
  operations: Record<string, { calls: number; billable: number }>;
  /** Calls per operation and purpose (from the sealed audit log: see usageKeys). */
  purposes: Record<string, Record<string, number>>;
  /** Calls per day of month (`DD`) and operation (from the sealed audit log: see usageKeys). */
  days: Record<string, Record<string, number>>;
  /** Billable calls per operation and plan version (`PLAN@v`): what a statement prices. */
  pricing: Record<string, Record<string, number>>;
  /** Billable calls reversed later (refunds), per operation and plan version; `pricing` keeps them. */
  reversed: Record<string, Record<string, number>>;
  /** Calls metered per plan version (`PLAN@v`), billable or not. */
  plans: Record<string, number>;
}

/** Where an agency's counters live: its id and how many lanes its calls were spread over (never fewer than now). */
export interface CounterOwner {
  id: string;
  ledgerLanes?: number | undefined;
}

const emptyCounters = (agencyId: string, period: string): PeriodCounters => ({
  agencyId,
  period,
  calls: 0,
  billable: 0,
  operations: {},
  purposes: {},
  days: {},
  pricing: {},
  reversed: {},
  plans: {},
});

/** Adds `value` at `outer`/`inner` of a two-level count map, creating the inner map on first use. */
const bump = (map: Record<string, Record<string, number>>, outer: string, inner: string, value: number) => {
  const counts = map[outer] ?? {};
  map[outer] = counts;
  counts[inner] = (counts[inner] ?? 0) + value;
};

/** Adds one lane's (or the refund counter's) attributes to the period's counters. */
export function addCounters(counters: PeriodCounters, item: Record<string, unknown>): void {
  const op = (name: string) => {
    counters.operations[name] ??= { calls: 0, billable: 0 };
    return counters.operations[name];
  };
  for (const [name, raw] of Object.entries(item)) {
    const counter = parseCounter(name);
    if (!counter) continue;
    const value = Number(raw);
    switch (counter.kind) {
      case 'calls':
        counters.calls += value;
        break;
      case 'billable':
        counters.billable += value;
        break;
      case 'opCalls':
        op(counter.op).calls += value;
        break;
      case 'opBillable':
        op(counter.op).billable += value;
        bump(counters.pricing, counter.op, counter.planVersion, value);
        break;
      case 'planCalls':
        counters.plans[counter.planVersion] = (counters.plans[counter.planVersion] ?? 0) + value;
        break;
      case 'reversed':
        bump(counters.reversed, counter.op, counter.planVersion, value);
        break;
    }
  }
}

/** Adds one sealed day of usage (per operation, per purpose). */
function addDay(counters: PeriodCounters, day: string, item: Record<string, unknown>): void {
  for (const [name, raw] of Object.entries(item)) {
    const counter = parseDayCounter(name);
    if (counter?.kind === 'opCalls') bump(counters.days, day, counter.op, Number(raw));
    if (counter?.kind === 'purpose') bump(counters.purposes, counter.op, counter.purpose, Number(raw));
  }
}

/**
 * An agency's counters for the periods from..to (inclusive), oldest first; periods without any call or refund are
 * left out. Each period costs its lanes (a BatchGetItem per 100) and one Query of its sealed days, whatever the
 * number of calls.
 */
export function readCounters(
  client: DynamoDBDocumentClient,
  ledgerTable: string,
  agency: CounterOwner,
  fromPeriod: string,
  toPeriod: string,
  options: CounterReadOptions = {},
): Promise<PeriodCounters[]> {
  return readPeriodCounters(client, ledgerTable, agency, periodsBetween(fromPeriod, toPeriod), options);
}

export interface CounterReadOptions {
  /** Read the lanes consistently (budget checks). */
  consistent?: boolean;
  /** Also read the sealed daily usage (usage reports); pricing needs none. */
  days?: boolean;
}

/** readCounters for a list of periods (oldest first). */
export async function readPeriodCounters(
  client: DynamoDBDocumentClient,
  ledgerTable: string,
  agency: CounterOwner,
  periods: string[],
  options: CounterReadOptions = {},
): Promise<PeriodCounters[]> {
  const lanes = agency.ledgerLanes ?? DEFAULT_LANES;
  const keysOf = (period: string) => [
    ledgerKeys.adjustments(agency.id, period),
    ...Array.from({ length: lanes }, (_, lane) => laneKeys.month(agency.id, period, lane)),
  ];
  const keys = periods.flatMap(keysOf);
  const [items, days] = await Promise.all([
    batchGetAll(client, ledgerTable, keys, options.consistent ?? false),
    !options.days
      ? Promise.resolve([])
      : Promise.all(periods.map((period) => sealedDays(client, ledgerTable, agency.id, period))),
  ]);
  const byPk = new Map<string, Record<string, unknown>>(items.map((item) => [item.pk as string, item]));
  const out: PeriodCounters[] = [];
  periods.forEach((period, i) => {
    const counters = emptyCounters(agency.id, period);
    const mine = keysOf(period).flatMap((key) => {
      const item = byPk.get(key.pk);
      return item ? [item] : [];
    });
    for (const item of mine) addCounters(counters, item);
    for (const item of days[i] ?? []) addDay(counters, (item.sk as string).slice(4), item);
    if (mine.length || Object.keys(counters.days).length) out.push(counters);
  });
  return out;
}

/** The sealed daily usage items of one agency's period: one Query (at most 31 items). */
async function sealedDays(
  client: DynamoDBDocumentClient,
  tableName: string,
  agencyId: string,
  period: string,
): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': usageKeys.day(agencyId, period, '').pk },
    }),
  );
  return Items;
}

/** The items of one partition whose sort keys name the periods from..to (inclusive), consistently read. */
export async function queryPeriods(
  client: DynamoDBDocumentClient,
  tableName: string,
  keyOf: (period: string) => { pk: string; sk: string },
  fromPeriod: string,
  toPeriod: string,
): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': keyOf('').pk,
        ':from': keyOf(fromPeriod).sk,
        ':to': keyOf(toPeriod).sk,
      },
      ConsistentRead: true,
    }),
  );
  return Items;
}
