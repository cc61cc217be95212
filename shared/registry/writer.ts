import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { registryKeys } from '../storage/keys/registry';
import type { Business, Citizen } from './model';
import { businessIndexItems } from './search-index';

export type RegistryItem = Record<string, unknown>;

export function citizenItem(citizen: Citizen): RegistryItem {
  return { ...registryKeys.citizen(citizen.nationalId), ...citizen };
}

/** A business record and its search index items: they are always written together. */
export function businessItems(business: Business): RegistryItem[] {
  return [
    { ...registryKeys.business(business.enterpriseCode), ...business },
    ...businessIndexItems(business),
  ];
}

export function* registryItems(records: {
  citizens?: Iterable<Citizen>;
  businesses?: Iterable<Business>;
}): Generator<RegistryItem> {
  for (const citizen of records.citizens ?? []) yield citizenItem(citizen);
  for (const business of records.businesses ?? []) yield* businessItems(business);
}

export interface WriteOptions {
  /** BatchWrite requests in flight at once. */
  concurrency?: number;
  /** Called after each batch with the number of items written so far. */
  onProgress?: (written: number) => void;
  /** Stops taking new batches (the ones in flight finish); the writer then resolves. */
  signal?: AbortSignal;
}

/**
 * Puts items with BatchWriteItem, 25 per request and `concurrency` requests in flight, retrying unprocessed
 * items with backoff. Items are pulled from the iterable as they are written, so a large synthetic register
 * never sits in memory whole. Writing the same records again is harmless (puts are idempotent).
 */
export async function writeRegistryItems(
  store: DynamoDBDocumentClient,
  tableName: string,
  items: Iterable<RegistryItem>,
  { concurrency = 8, onProgress, signal }: WriteOptions = {},
): Promise<number> {
  const source = items[Symbol.iterator]();
  let written = 0;
  const nextBatch = (): RegistryItem[] => {
    const batch: RegistryItem[] = [];
    while (batch.length < 25 && !signal?.aborted) {
      const next = source.next();
      if (next.done) break;
      batch.push(next.value);
    }
    return batch;
  };
  const worker = async () => {
    for (let batch = nextBatch(); batch.length; batch = nextBatch()) {
      let requests: unknown[] | undefined = batch.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests?.length; attempt++) {
        const result: BatchWriteCommandOutput = await store.send(
          new BatchWriteCommand({ RequestItems: { [tableName]: requests as never } }),
        );
        requests = result.UnprocessedItems?.[tableName];
        if (requests?.length) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      }
      written += batch.length;
      onProgress?.(written);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return written;
}

/** Writes register records with their search index items. */
export async function writeRegisterRecords(
  store: DynamoDBDocumentClient,
  tableName: string,
  records: { citizens?: Iterable<Citizen>; businesses?: Iterable<Business> },
  options?: WriteOptions,
): Promise<number> {
  return writeRegistryItems(store, tableName, registryItems(records), options);
}
