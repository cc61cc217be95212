import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ledgerKeys } from './ledger';

/** One agency's counters for one period, as the ledger transaction maintains them. */
export interface PeriodCounters {
  agencyId: string;
  period: string;
  calls: number;
  billable: number;
  operations: Record<string, { calls: number; billable: number }>;
  /** Calls per operation and purpose. */
  purposes: Record<string, Record<string, number>>;
  /** Calls per day of month (`DD`) and operation. */
  days: Record<string, Record<string, number>>;
  /** Billable calls per operation and plan version (`PLAN@v`): what a statement prices. */
  pricing: Record<string, Record<string, number>>;
  /** Billable calls reversed later (refunds), per operation and plan version; `pricing` keeps them. */
  reversed: Record<string, Record<string, number>>;
}

export function parseCounters(item: Record<string, unknown>): PeriodCounters {
  const counters: PeriodCounters = {
    agencyId: item.agencyId as string,
    period: item.period as string,
    calls: Number(item.calls ?? 0),
    billable: Number(item.billable ?? 0),
    operations: {},
    purposes: {},
    days: {},
    pricing: {},
    reversed: {},
  };
  const op = (name: string) => {
    counters.operations[name] ??= { calls: 0, billable: 0 };
    return counters.operations[name];
  };
  for (const [key, raw] of Object.entries(item)) {
    const value = Number(raw);
    const parts = key.split('#');
    if (parts[0] === 'calls' && parts[1]) op(parts[1]).calls += value;
    if (parts[0] === 'billable' && parts[1] && parts[2]) {
      op(parts[1]).billable += value;
      counters.pricing[parts[1]] ??= {};
      counters.pricing[parts[1]]![parts[2]] = value;
    }
    if (parts[0] === 'reversed' && parts[1] && parts[2]) {
      counters.reversed[parts[1]] ??= {};
      counters.reversed[parts[1]]![parts[2]] = value;
    }
    if (parts[0] === 'day' && parts[1] && parts[2]) {
      counters.days[parts[1]] ??= {};
      counters.days[parts[1]]![parts[2]] = value;
    }
    if (parts[0] === 'purpose' && parts[1] && parts[2]) {
      counters.purposes[parts[1]] ??= {};
      counters.purposes[parts[1]]![parts.slice(2).join('#')] = value;
    }
  }
  return counters;
}

/** An agency's counters for the periods from..to (inclusive): one Query, whatever the number of calls. */
export async function readCounters(
  client: DynamoDBDocumentClient,
  ledgerTable: string,
  agencyId: string,
  fromPeriod: string,
  toPeriod: string,
): Promise<PeriodCounters[]> {
  const items = await queryPeriods(
    client,
    ledgerTable,
    (p) => ledgerKeys.counter(agencyId, p),
    fromPeriod,
    toPeriod,
  );
  return items.map(parseCounters);
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
