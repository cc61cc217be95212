import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { batchGetAll } from '../storage/batch';
import { decodeCursor, encodeCursor, type Page } from '../storage/cursor';
import { auditIndexKeys, auditOrder, refusalKeys } from '../storage/keys/ledger';
import { queryShards, shardCursor } from '../storage/sharded-query';
import type { AuditEvent } from './model';
import { REFUSALS_SUMMARY_ACTION } from './refusals';

export interface AuditQuery {
  agency?: string | undefined;
  subject?: string | undefined;
  /** Inclusive ISO instants. */
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface AuditRecord extends AuditEvent {
  /** The record's RFC 9162 leaf hash (its receipt); its place in the log is at /audit/log/proofs/{id}. */
  leafHash?: string | undefined;
  /** On a refusals summary: how many of that minute's refusals were counted, not recorded one by one. */
  refusedBeyondRecorded?: number | undefined;
}

/**
 * Reads the audit trail by agency (the sharded gsi1) or by subject (gsi2), newest first, within a time range.
 * The cursor is the position of the last record returned, so it works across the agency index's shards.
 */
export async function queryAudit(
  client: DynamoDBDocumentClient,
  tableName: string,
  query: AuditQuery,
): Promise<Page<AuditRecord>> {
  const bySubject = query.subject !== undefined;
  const after = shardCursor.decode(query.cursor);
  const page = await queryShards(client, {
    tableName,
    indexName: bySubject ? 'gsi2' : 'gsi1',
    pkAttribute: bySubject ? 'gsi2pk' : 'gsi1pk',
    skAttribute: bySubject ? 'gsi2sk' : 'gsi1sk',
    partitionKeys: bySubject
      ? [auditIndexKeys.subject(query.subject!)]
      : auditIndexKeys.agencyShards(query.agency ?? ''),
    from: query.from ?? '0000',
    to: `${query.to ?? '9999'}\uffff`,
    after,
    forward: false,
    limit: query.limit,
    ...(bySubject && query.agency
      ? { filter: { expression: 'agencyId = :agency', values: { ':agency': query.agency } } }
      : {}),
  });
  const items: AuditRecord[] = page.items.map((item) => ({
    ...(item.event as AuditEvent),
    leafHash: item.leafHash as string,
  }));
  await countSummarisedRefusals(client, tableName, items);
  return { items, cursor: shardCursor.encode(page.resumeAfter) };
}

/**
 * A record standing for a minute's refusals beyond those recorded one by one gets their count, from the
 * minute's counter (the count keeps growing until the minute ends, so it is not in the record's own bytes).
 */
async function countSummarisedRefusals(
  client: DynamoDBDocumentClient,
  tableName: string,
  items: AuditRecord[],
): Promise<void> {
  const summaries = items.filter((item) => item.action === REFUSALS_SUMMARY_ACTION && item.refusals);
  if (!summaries.length) return;
  const keyOf = (item: AuditRecord) => refusalKeys.counter(item.actor.clientId, item.refusals!.minute);
  const counters = await batchGetAll(client, tableName, summaries.map(keyOf), true);
  const refused = new Map(counters.map((c) => [c.pk as string, Number(c.refused ?? 0)]));
  for (const item of summaries) {
    const total = refused.get(keyOf(item).pk) ?? 0;
    item.refusedBeyondRecorded = Math.max(0, total - item.refusals!.recorded);
  }
}

/** What a person may be shown of who looked at them: registry calls, covert ones only after their date. */
export interface HistoryPage {
  items: AuditRecord[];
  cursor?: string | undefined;
}

// A refused attempt disclosed nothing about the person: it is for auditors, not the person's access history.
const visibleTo = (today: string) => (e: AuditRecord) =>
  e.kind === 'registry-call' && e.outcome !== 'refused' && !(e.covertUntil && e.covertUntil > today);

/** A history page's cursor: the position (`<instant>#<record id>`) of the last visible record it showed. */
const HistoryCursorSchema = z.strictObject({ before: z.string().min(1).max(200) });

/**
 * A subject's access history, newest first. The cursor names only the last *visible* record, and a page is
 * filled (or the history exhausted) before answering, so neither the cursor nor a short or empty page can
 * reveal that covert lookups exist.
 */
export async function subjectHistory(
  client: DynamoDBDocumentClient,
  tableName: string,
  subject: string,
  today: string,
  limit: number,
  cursor?: string,
): Promise<HistoryPage> {
  const before = decodeCursor(cursor, HistoryCursorSchema)?.before;
  const visible = visibleTo(today);
  const items: AuditRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: before ? 'gsi2pk = :pk AND gsi2sk < :before' : 'gsi2pk = :pk',
        ExpressionAttributeValues: {
          ':pk': auditIndexKeys.subject(subject),
          ...(before ? { ':before': before } : {}),
        },
        ScanIndexForward: false,
        Limit: 100,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      const event = item.event as AuditRecord;
      if (visible(event)) items.push(event);
    }
    start = page.LastEvaluatedKey;
  } while (start && items.length <= limit);
  const more = items.length > limit;
  const shown = items.slice(0, limit);
  const last = shown[shown.length - 1];
  return {
    items: shown,
    cursor: more && last ? encodeCursor({ before: auditOrder(last) }) : undefined,
  };
}
