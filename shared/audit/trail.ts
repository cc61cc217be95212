import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type AuditEvent, recordLeafHash, storedEvent } from './model';

/**
 * The agency index (gsi1) is spread over this many partition keys per agency: every call of an agency writes
 * one, and a single index partition takes 1,000 WCU/s, so one key would cap an agency near 1,000 calls/s and
 * a throttled index throttles the table. Readers merge the shards (shared/storage/sharded-query.ts).
 */
export const AGENCY_INDEX_SHARDS = 16;

/** A stable shard of [0, shards) for an id (FNV-1a), the same in every process. */
export function shardOf(id: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h % shards;
}

/** Index keys of the audit trail: by agency (sharded), by subject or target. */
export const auditIndexKeys = {
  agency: (agencyId: string, shard: number) => `AUDIT#AGENCY#${agencyId}#${shard}`,
  agencyShards: (agencyId: string) =>
    Array.from({ length: AGENCY_INDEX_SHARDS }, (_, s) => auditIndexKeys.agency(agencyId, s)),
  subject: (subject: string) => `AUDIT#SUBJECT#${subject}`,
  target: (target: string) => `AUDIT#TARGET#${target}`,
};

/** The sort key that orders the trail in time (ties broken by record id). */
export const auditOrder = (event: Pick<AuditEvent, 'at' | 'id'>) => `${event.at}#${event.id}`;

/**
 * The stored form of an audit record in the ledger table, with its indexes by agency and subject. `leafHash`
 * (the record's RFC 9162 leaf hash) marks the item as an audit record: it is what the audit sealer's stream
 * filter selects, and what the caller gets as its receipt.
 */
export function auditItem(event: AuditEvent): Record<string, unknown> {
  const stored = storedEvent(event);
  const order = auditOrder(stored);
  const about = stored.subject
    ? auditIndexKeys.subject(stored.subject)
    : stored.target
      ? auditIndexKeys.target(stored.target)
      : undefined;
  return {
    pk: `AUDIT#${stored.id}`,
    sk: 'AUDIT',
    agencyId: stored.actor.agencyId,
    gsi1pk: auditIndexKeys.agency(stored.actor.agencyId, shardOf(stored.id, AGENCY_INDEX_SHARDS)),
    gsi1sk: order,
    ...(about ? { gsi2pk: about, gsi2sk: order } : {}),
    event: stored,
    leafHash: recordLeafHash(stored),
  };
}

/** Appends audit events. A retry of the same event id is a no-op, never a second record. */
export class AuditTrail {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The Put for a transaction that must write the audit record together with other items. */
  putFor(event: AuditEvent) {
    return {
      Put: {
        TableName: this.tableName,
        Item: auditItem(event),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  async record(event: AuditEvent): Promise<void> {
    try {
      await this.client.send(new PutCommand(this.putFor(event).Put));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw error;
    }
  }
}
