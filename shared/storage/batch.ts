import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../errors';
import { UNPROCESSED_RETRY, untilProcessed } from './retry';

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
      await untilProcessed(
        chunk,
        async (pending) => {
          const result = await client.send(
            new BatchGetCommand({
              RequestItems: { [tableName]: { Keys: pending, ConsistentRead: consistent } },
            }),
          );
          out.push(...(result.Responses?.[tableName] ?? []));
          const left =
            (result.UnprocessedKeys?.[tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
          return left.length ? left : undefined;
        },
        {
          ...UNPROCESSED_RETRY,
          exhausted: () => new ServiceUnavailableError('The ledger is busy; retry shortly.', 1),
        },
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, chunks.length) }, worker));
  return out;
}
