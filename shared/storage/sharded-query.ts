import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { decodeCursor, encodeCursor } from './cursor';

/** A time-ordered index whose entries for one owner are spread over several partition keys (shards). */
export interface ShardedQuery {
  tableName: string;
  indexName?: string | undefined;
  pkAttribute: string;
  skAttribute: string;
  /** One partition key value per shard; a single one is an ordinary paged query. */
  partitionKeys: string[];
  /** Inclusive sort-key bounds. */
  from: string;
  to: string;
  /** Resume after this sort key (the last one a previous page returned), exclusive. */
  after?: string | undefined;
  /** Ascending (oldest first) or descending. */
  forward: boolean;
  limit: number;
  filter?: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> };
}

interface Shard {
  pk: string;
  buffer: Record<string, unknown>[];
  start?: Record<string, unknown> | undefined;
  done: boolean;
}

/**
 * One page of a sharded index in sort-key order: a k-way merge that reads each shard lazily, a small page at a
 * time, so a page of `limit` costs about `limit` items plus one short read per shard. Sort keys must be unique
 * (the trail's are `<instant>#<record id>`). Returns the page and, when more may follow, the sort key to resume
 * after.
 */
export async function queryShards(
  client: DynamoDBDocumentClient,
  query: ShardedQuery,
): Promise<{ items: Record<string, unknown>[]; resumeAfter?: string | undefined }> {
  const sk = (item: Record<string, unknown>) => item[query.skAttribute] as string;
  const from = query.after && query.forward && query.after > query.from ? query.after : query.from;
  const to = query.after && !query.forward && query.after < query.to ? query.after : query.to;
  const shards: Shard[] = query.partitionKeys.map((pk) => ({ pk, buffer: [], done: from > to }));
  const pageSize = Math.max(4, Math.ceil((2 * query.limit) / shards.length) + 1);

  const fill = async (shard: Shard) => {
    while (!shard.buffer.length && !shard.done) {
      const page = await client.send(
        new QueryCommand({
          TableName: query.tableName,
          IndexName: query.indexName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
          ...(query.filter ? { FilterExpression: query.filter.expression } : {}),
          ExpressionAttributeNames: {
            '#pk': query.pkAttribute,
            '#sk': query.skAttribute,
            ...query.filter?.names,
          },
          ExpressionAttributeValues: { ':pk': shard.pk, ':from': from, ':to': to, ...query.filter?.values },
          ScanIndexForward: query.forward,
          Limit: pageSize,
          ExclusiveStartKey: shard.start,
        }),
      );
      // The resume key itself is within the bounds (BETWEEN is inclusive): it was on the previous page.
      shard.buffer.push(...(page.Items ?? []).filter((item) => sk(item) !== query.after));
      shard.start = page.LastEvaluatedKey;
      shard.done = !shard.start;
    }
  };

  const items: Record<string, unknown>[] = [];
  while (items.length < query.limit) {
    await Promise.all(shards.map(fill));
    let next: Shard | undefined;
    for (const shard of shards) {
      const head = shard.buffer[0];
      if (!head) continue;
      const best = next?.buffer[0];
      if (!best || (query.forward ? sk(head) < sk(best) : sk(head) > sk(best))) next = shard;
    }
    if (!next) break;
    items.push(next.buffer.shift()!);
  }
  const more = shards.some((shard) => shard.buffer.length || !shard.done);
  const last = items[items.length - 1];
  return { items, resumeAfter: more && last ? sk(last) : undefined };
}

/** A sharded page's cursor: the sort key to resume after, and nothing a caller could point elsewhere. */
const ShardCursorSchema = z.strictObject({ after: z.string().min(1).max(300) });

/** The opaque cursor of a sharded page (see ShardCursorSchema). */
export const shardCursor = {
  encode: (resumeAfter: string | undefined) =>
    resumeAfter ? encodeCursor({ after: resumeAfter }) : undefined,
  decode: (cursor: string | undefined): string | undefined => decodeCursor(cursor, ShardCursorSchema)?.after,
};
