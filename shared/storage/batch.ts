import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../errors';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Reads many keys of one table with BatchGetItem, 100 at a time and a few batches at once, until nothing is left
 * unprocessed (a throttled key is retried, never taken for a missing item).
 */
export async function batchGetAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: Record<string, unknown>[],
  consistent: boolean,
): Promise<Record<string, unknown>[]> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < keys.length; i += 100) chunks.push(keys.slice(i, i + 100));
  const out: Record<string, unknown>[] = [];
  const worker = async () => {
    for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
      let pending: Record<string, unknown>[] = chunk;
      for (let attempt = 0; pending.length; attempt++) {
        if (attempt === 5) throw new ServiceUnavailableError('The ledger is busy; retry shortly.', 1);
        if (attempt > 0) await sleep(20 * 2 ** attempt);
        const result = await client.send(
          new BatchGetCommand({
            RequestItems: { [tableName]: { Keys: pending, ConsistentRead: consistent } },
          }),
        );
        out.push(...(result.Responses?.[tableName] ?? []));
        pending = (result.UnprocessedKeys?.[tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, chunks.length) }, worker));
  return out;
}
