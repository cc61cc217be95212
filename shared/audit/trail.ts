import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { AGENCY_INDEX_SHARDS, auditIndexKeys, auditKeys, auditOrder, shardOf } from '../storage/keys/ledger';
import { type AuditEvent, recordLeafHash, storedEvent } from './model';

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
    ...auditKeys.record(stored.id),
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
