import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { canonicalJson } from '../../../shared/audit/canonical';
import { scanAll } from '../../../shared/storage/paginate';
import type { TableKey, TableNames } from '../../../shared/storage/tables';

/** Every item of the three tables, by [table, pk, sk], as canonical JSON: two snapshots compare as strings. */
export type StoreSnapshot = Map<string, string>;

export interface StoreChange {
  table: TableKey;
  pk: string;
  sk: string;
  before?: Record<string, unknown> | undefined;
  after?: Record<string, unknown> | undefined;
}

/** Scans the control, registry and ledger tables (all pages), read-after-write consistent. */
export async function snapshotStore(
  store: DynamoDBDocumentClient,
  tables: TableNames,
): Promise<StoreSnapshot> {
  const snapshot: StoreSnapshot = new Map();
  for (const table of Object.keys(tables) as TableKey[]) {
    for (const item of await scanAll(store, { TableName: tables[table], ConsistentRead: true })) {
      snapshot.set(JSON.stringify([table, item.pk, item.sk]), canonicalJson(item));
    }
  }
  return snapshot;
}

/** What differs between two snapshots: items added, removed or changed. */
export function storeChanges(before: StoreSnapshot, after: StoreSnapshot): StoreChange[] {
  const changes: StoreChange[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(key);
    const b = after.get(key);
    if (a === b) continue;
    const [table, pk, sk] = JSON.parse(key) as [TableKey, string, string];
    changes.push({
      table,
      pk,
      sk,
      before: a === undefined ? undefined : JSON.parse(a),
      after: b === undefined ? undefined : JSON.parse(b),
    });
  }
  return changes;
}

/** A one-line description of each change, for a failure message. */
export const describeChanges = (changes: StoreChange[]) =>
  changes
    .map((c) => `${c.before ? (c.after ? 'changed' : 'removed') : 'added'} ${c.table} ${c.pk} ${c.sk}`)
    .join('; ');
