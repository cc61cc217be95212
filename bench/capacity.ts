/**
 * What the store is asked to do, counted at the SDK: requests per operation, item writes (PutItem / UpdateItem /
 * DeleteItem 1 each, BatchWriteItem and TransactWriteItems the items in them that landed), transactions, and
 * the capacity units DynamoDB (Local) reports when asked (`ReturnConsumedCapacity: 'INDEXES'`), per table and
 * per global secondary index. Plus item sizes by DynamoDB's rules, to cross-check the reported units.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';

const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

export interface StoreTotals {
  requests: Record<string, number>;
  /** Item writes that landed (a BatchWriteItem's unprocessed items are not counted until resent). */
  itemWrites: number;
  transactions: number;
  /** Read capacity units per table. */
  read: Record<string, number>;
  /** Write capacity units per table and per `table/index`. */
  write: Record<string, number>;
}

const emptyTotals = (): StoreTotals => ({
  requests: {},
  itemWrites: 0,
  transactions: 0,
  read: {},
  write: {},
});

interface Consumed {
  TableName?: string;
  CapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

const countOf = (requestItems: unknown) =>
  Object.values((requestItems ?? {}) as Record<string, unknown[]>).reduce(
    (sum, items) => sum + (Array.isArray(items) ? items.length : 0),
    0,
  );

/** One command the meter saw (kept only while sampling). */
export interface SeenCommand {
  operation: string;
  input: Record<string, unknown>;
}

/**
 * Counts every command `client` sends while `counting`; while `capacity`, asks for and sums consumed capacity;
 * while `sampling`, keeps the commands' inputs. One meter per client.
 */
export function meterStore(client: DynamoDBDocumentClient, name = 'benchStoreMeter') {
  const state = { counting: false, capacity: false, sampling: false };
  let totals = emptyTotals();
  let samples: SeenCommand[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? '').replace(/Command$/, '');
      const input = args.input as Record<string, unknown>;
      if (state.capacity && (READS.has(operation) || WRITES.has(operation))) {
        input.ReturnConsumedCapacity = 'INDEXES';
      }
      const result = await next(args);
      if (state.counting) {
        const output = result.output as Record<string, unknown>;
        totals.requests[operation] = (totals.requests[operation] ?? 0) + 1;
        if (operation === 'PutItem' || operation === 'UpdateItem' || operation === 'DeleteItem') {
          totals.itemWrites += 1;
        } else if (operation === 'BatchWriteItem') {
          totals.itemWrites += countOf(input.RequestItems) - countOf(output.UnprocessedItems);
        } else if (operation === 'TransactWriteItems') {
          totals.itemWrites += Array.isArray(input.TransactItems) ? input.TransactItems.length : 0;
          totals.transactions += 1;
        }
        const consumed = output.ConsumedCapacity as Consumed | Consumed[] | undefined;
        const into = READS.has(operation) ? totals.read : totals.write;
        for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
          const table = c.TableName ?? '?';
          into[table] = (into[table] ?? 0) + (c.Table?.CapacityUnits ?? c.CapacityUnits ?? 0);
          for (const [index, units] of Object.entries(c.GlobalSecondaryIndexes ?? {})) {
            into[`${table}/${index}`] = (into[`${table}/${index}`] ?? 0) + (units.CapacityUnits ?? 0);
          }
        }
      }
      if (state.sampling && samples.length < 1000) samples.push({ operation, input });
      return result;
    },
    { step: 'initialize', name },
  );
  return {
    state,
    /** Totals since the last reset (a copy). */
    totals: (): StoreTotals => structuredClone(totals),
    samples: () => samples,
    reset() {
      totals = emptyTotals();
      samples = [];
    },
  };
}

/** A key attribute as a plain string, whether the input was marshalled yet or not. */
export const plainKey = (value: unknown): string =>
  typeof value === 'object' && value !== null && 'S' in value
    ? String((value as { S: unknown }).S)
    : String(value);

/** The size of one attribute value by DynamoDB's item-size rules (numbers approximated from their digits). */
function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S, 'utf8');
  if (value.N !== undefined) {
    const digits = value.N.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
    return Math.ceil(Math.max(1, digits.length) / 2) + 1;
  }
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((s, v) => s + Buffer.byteLength(v, 'utf8'), 0);
  if (value.NS) return value.NS.reduce((s, v) => s + valueSize({ N: v }), 0);
  if (value.BS) return value.BS.reduce((s, v) => s + v.length, 0);
  // Lists and maps: 3 bytes of overhead, plus 1 byte per element, plus the elements (and a map's names).
  if (value.L) return 3 + value.L.reduce((s, v) => s + 1 + valueSize(v), 0);
  if (value.M) {
    return (
      3 +
      Object.entries(value.M).reduce((s, [k, v]) => s + 1 + Buffer.byteLength(k, 'utf8') + valueSize(v), 0)
    );
  }
  return 0;
}

/** An item's size in bytes by DynamoDB's rules: attribute names plus values (JS form, as the document client gives it). */
export function itemBytes(item: Record<string, unknown>): number {
  const marshalled = marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: true });
  return Object.entries(marshalled).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name, 'utf8') + valueSize(value),
    0,
  );
}

/** Capacity by DynamoDB's rules: reads in 4 KB units (eventually consistent half), writes in 1 KB units. */
export const units = {
  read: (bytes: number, consistent: boolean) => Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5),
  write: (bytes: number, transactional: boolean) =>
    Math.max(1, Math.ceil(bytes / 1024)) * (transactional ? 2 : 1),
};

type Meter = ReturnType<typeof meterStore>;
type Key = { pk: string; sk: string };

const keyOf = (key: unknown): Key => {
  const k = key as Record<string, unknown>;
  return { pk: plainKey(k.pk), sk: plainKey(k.sk) };
};

/**
 * What one brokered call consumed, from a meter that watched `calls` of them one at a time (with capacity and
 * sampling on): the units DynamoDB Local reported per table and index, the sizes of the items the call read and
 * wrote, and the units DynamoDB's rules give for those sizes (the cross-check).
 */
export async function brokeredCallCapacity(
  meter: Meter,
  calls: number,
  store: DynamoDBDocumentClient,
  tables: { control: string; registry: string; ledger: string },
) {
  const totals = meter.totals();
  const per = (n: number | undefined) => Math.round(((n ?? 0) / calls) * 1000) / 1000;
  const role = (table: string) =>
    table
      .replace(tables.ledger, 'ledger')
      .replace(tables.control, 'control')
      .replace(tables.registry, 'registry');
  const byRole = (units: Record<string, number>) =>
    Object.fromEntries(Object.entries(units).map(([table, n]) => [role(table), per(n)]));
  const read = byRole(totals.read);
  const write = byRole(totals.write);
  const sum = (o: Record<string, number>) =>
    Math.round(Object.values(o).reduce((s, v) => s + v, 0) * 1000) / 1000;

  const samples = meter.samples();
  const transaction = samples.find((s) => s.operation === 'TransactWriteItems')?.input.TransactItems as
    | Record<string, { Item?: Record<string, unknown>; Key?: unknown }>[]
    | undefined;
  const batch = samples.find((s) => s.operation === 'BatchGetItem')?.input.RequestItems as
    | Record<string, { Keys: unknown[] }>
    | undefined;
  if (!transaction || !batch) throw new Error('the capacity run saw no brokered call');
  const entryKey = keyOf(transaction.find((t) => t.Put)?.Put?.Item);
  const updates = transaction.filter((t) => t.Update).map((t) => keyOf(t.Update?.Key));
  const monthKey = updates.find((k) => k.pk.startsWith('LANE#'));
  const windowKey = updates.find((k) => k.pk.startsWith('RATE#'));
  const controlKeys = (batch[tables.control]?.Keys ?? []).map(keyOf);
  const recordKey = (batch[tables.registry]?.Keys ?? []).map(keyOf)[0];
  const sizeOf = async (table: string, key: Key | undefined) => {
    if (!key) return 0;
    const { Item } = await store.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
    return Item ? itemBytes(Item) : 0;
  };
  const sizes = {
    credential: await sizeOf(
      tables.control,
      controlKeys.find((k) => k.pk.startsWith('CLIENT#')),
    ),
    agency: await sizeOf(
      tables.control,
      controlKeys.find((k) => k.pk.startsWith('AGENCY#')),
    ),
    record: await sizeOf(tables.registry, recordKey),
    entry: await sizeOf(tables.ledger, entryKey),
    monthLane: await sizeOf(tables.ledger, monthKey),
    windowLane: await sizeOf(tables.ledger, windowKey),
  };
  const laneReads = (batch[tables.ledger]?.Keys ?? []).length;
  const ruleRead = {
    control: units.read(sizes.credential, true) + units.read(sizes.agency, true),
    registry: units.read(sizes.record, false),
    // Two month and two window lanes, eventually consistent, each well under 4 KB; a key not found costs the same.
    ledger: laneReads * 0.5,
  };
  const ruleWrite = {
    ledger:
      units.write(sizes.entry, true) +
      units.write(sizes.monthLane, true) +
      units.write(sizes.windowLane, true),
    // The entry is the only item with index keys (ALL projection: the index entry is the whole item).
    'ledger/gsi1': units.write(sizes.entry, false),
    'ledger/gsi2': units.write(sizes.entry, false),
  };
  return {
    calls,
    requestsPerCall: Object.fromEntries(Object.entries(totals.requests).map(([op, n]) => [op, per(n)])),
    basis: 'DynamoDB rules applied to the item sizes measured here (the cost model uses these)',
    rcu: { total: sum(ruleRead), byTable: ruleRead },
    wcu: { total: sum(ruleWrite), byTableAndIndex: ruleWrite },
    itemBytes: sizes,
    rules:
      'reads: 1 unit per started 4 KB, eventually consistent half; transactional writes: 2 units per started KB per item; an update costs the item whole; each index write 1 unit per started KB of the index entry',
    reportedByDynamoDbLocal: {
      rcu: { total: sum(read), byTable: read },
      wcu: { total: sum(write), byTableAndIndex: write },
      differences:
        'DynamoDB Local charges nothing for keys a BatchGetItem does not find (lanes not written yet), reports 2 units for two small Updates in one transaction where the rules give 4, and doubles index writes inside a transaction',
    },
  };
}
