import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  decodeCursor,
  decodeStartKey,
  encodeCursor,
  InvalidCursorError,
  type Page,
} from '../identity/repository';
import type { AuditEvent } from './model';

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
  /** Position in its shard's hash chain once sealed. */
  seal?: { shard: number; seq: number; chainHash: string; sealedAt: string } | undefined;
}

/** Reads the audit trail by agency (gsi1) or by subject (gsi2), newest first, within a time range. */
export async function queryAudit(
  client: DynamoDBDocumentClient,
  tableName: string,
  query: AuditQuery,
): Promise<Page<AuditRecord>> {
  const [index, pk] = query.subject
    ? (['gsi2', `AUDIT#SUBJECT#${query.subject}`] as const)
    : (['gsi1', `AUDIT#AGENCY#${query.agency}`] as const);
  const from = query.from ?? '0000';
  const to = `${query.to ?? '9999'}\uffff`;
  const result = await client.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: index,
      KeyConditionExpression: `${index}pk = :pk AND ${index}sk BETWEEN :from AND :to`,
      ...(query.subject && query.agency
        ? {
            FilterExpression: 'gsi1pk = :agency',
            ExpressionAttributeValues: {
              ':pk': pk,
              ':from': from,
              ':to': to,
              ':agency': `AUDIT#AGENCY#${query.agency}`,
            },
          }
        : { ExpressionAttributeValues: { ':pk': pk, ':from': from, ':to': to } }),
      ScanIndexForward: false,
      Limit: query.limit,
      ExclusiveStartKey: decodeStartKey(query.cursor),
    }),
  );
  return {
    items: (result.Items ?? []).map((item) => ({
      ...(item.event as AuditEvent),
      ...(item.seq
        ? {
            seal: {
              shard: item.shard as number,
              seq: item.seq as number,
              chainHash: item.chainHash as string,
              sealedAt: item.sealedAt as string,
            },
          }
        : {}),
    })),
    cursor: encodeCursor(result.LastEvaluatedKey),
  };
}

/** What a person may be shown of who looked at them: registry calls, covert ones only after their date. */
export interface HistoryPage {
  items: AuditRecord[];
  cursor?: string | undefined;
}

const visibleTo = (today: string) => (e: AuditRecord) =>
  e.kind === 'registry-call' && !(e.covertUntil && e.covertUntil > today);

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
  let before: string | undefined;
  if (cursor) {
    const decoded = decodeCursor(cursor) as { before?: unknown };
    if (typeof decoded.before !== 'string' || decoded.before.length > 200) throw new InvalidCursorError();
    before = decoded.before;
  }
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
          ':pk': `AUDIT#SUBJECT#${subject}`,
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
    cursor: more && last ? encodeCursor({ before: `${last.at}#${last.id}` }) : undefined,
  };
}
