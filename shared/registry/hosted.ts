import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { searchIndexKeys } from '../storage/keys/registry';
import type { Business } from './model';
import { businessRecord, type RecordKind } from './operations';
import {
  type BusinessPage,
  type BusinessRegister,
  type BusinessSearch,
  type RecordSource,
  SEARCH_LIMIT,
} from './provider';
import { itemMatches, planSearch, resumeKey, searchCursor } from './search-index';

/** A register item as its record: the table's key attributes dropped. */
export function withoutKeys<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, ...record } = item;
  return record as T;
}

/** The hosted copy of a register's records of one kind: one GetItem per lookup, at the kind's table key. */
export class HostedRecords<R> implements RecordSource<R> {
  readonly kind = 'hosted';

  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
    private readonly records: Pick<RecordKind<R>, 'tableKey'>,
  ) {}

  async get(subject: string): Promise<R | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.records.tableKey(subject) }),
    );
    return Item ? withoutKeys<R>(Item) : undefined;
  }
}

/**
 * Items a search may examine per read, and reads per page: together they bound what one page costs
 * (at most SEARCH_MAX_READS × SEARCH_READ_SIZE index items, whatever the register's size).
 */
export const SEARCH_READ_SIZE = 250;
export const SEARCH_MAX_READS = 4;

/** A first read sized to the page (most words of a search usually match), then larger ones. */
const readSize = (read: number, wanted: number) =>
  Math.min(SEARCH_READ_SIZE, Math.max(2 * wanted + 1, 50) * 4 ** read);

/**
 * The hosted copy of the business register: one GetItem per lookup; a search page is at most
 * SEARCH_MAX_READS Queries of one word's index partition (see ./search-index.ts), never a Scan.
 */
export class HostedBusinessRegister extends HostedRecords<Business> implements BusinessRegister {
  constructor(client: DynamoDBDocumentClient, tableName: string) {
    super(client, tableName, businessRecord);
  }

  async searchBusinesses({ name, province, limit: asked, cursor }: BusinessSearch): Promise<BusinessPage> {
    const plan = planSearch(name, province);
    const limit = Math.min(Math.max(1, Math.floor(asked)), SEARCH_LIMIT.max);
    const filtering = plan.words.length > 1;
    const items: Business[] = [];
    let start: Record<string, unknown> | undefined = resumeKey(plan, cursor);
    let lastGiven = '';
    for (let read = 0; read < SEARCH_MAX_READS; read++) {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: plan.skPrefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
          ExpressionAttributeValues: {
            ':pk': searchIndexKeys.partition(plan.word),
            ...(plan.skPrefix ? { ':prefix': plan.skPrefix } : {}),
          },
          ExclusiveStartKey: start,
          // Without other words to check, one more than the page tells whether another page exists.
          Limit: filtering ? readSize(read, limit - items.length) : limit - items.length + 1,
        }),
      );
      for (const item of result.Items ?? []) {
        const sk = item.sk as string;
        if (!itemMatches(sk, plan)) continue;
        if (items.length === limit) return { items, cursor: searchCursor(plan, lastGiven) };
        items.push(withoutKeys<Business>(item));
        lastGiven = sk;
      }
      if (!result.LastEvaluatedKey) return { items };
      if (items.length === limit) return { items, cursor: searchCursor(plan, lastGiven) };
      start = result.LastEvaluatedKey;
    }
    // Read budget spent: the next page goes on from the last item examined, so nothing is skipped.
    return { items, cursor: searchCursor(plan, start?.sk as string) };
  }
}
