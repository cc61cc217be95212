import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, type Page } from '../identity/repository';
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
      ExclusiveStartKey: decodeCursor(query.cursor),
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
