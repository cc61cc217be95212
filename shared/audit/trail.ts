import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type AuditEvent, auditEventHash } from './model';

/** The chain is sharded so appends never contend on one item; each shard is sealed in order (see sealer). */
export const AUDIT_SHARDS = 4;

export function auditShard(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % AUDIT_SHARDS;
}

/** The stored form of an audit event in the ledger table, with its indexes by agency, subject and seal. */
export function auditItem(event: AuditEvent): Record<string, unknown> {
  const order = `${event.at}#${event.id}`;
  const about = event.subject
    ? `SUBJECT#${event.subject}`
    : event.target
      ? `TARGET#${event.target}`
      : undefined;
  return {
    pk: `AUDIT#${event.id}`,
    sk: 'AUDIT',
    gsi1pk: `AUDIT#AGENCY#${event.actor.agencyId}`,
    gsi1sk: order,
    ...(about ? { gsi2pk: `AUDIT#${about}`, gsi2sk: order } : {}),
    gsi3pk: `AUDIT#UNSEALED#${auditShard(event.id)}`,
    gsi3sk: order,
    event,
    hash: auditEventHash(event),
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
