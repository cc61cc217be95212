import type { DynamoDBStreamEvent } from 'aws-lambda';
import { auditLogOf } from '../../shared/audit/log';
import { auditRecordsOf, type StreamChange } from '../../shared/audit/stream';
import { secretsManagerKeys } from '../../shared/auth/secrets-manager-keys';
import { createDeps } from '../../shared/deps';

const deps = createDeps(undefined, { secretKeys: secretsManagerKeys });
const log = auditLogOf(deps);

/**
 * Invoked by the ledger table's stream (event source mapping, one invocation at a time): appends the batch's new
 * audit records to the log and signs a checkpoint. A redelivered batch appends nothing twice. A failure throws,
 * so the event source retries the same batch; sealing lag shows as the function's IteratorAge (alarmed).
 */
export const handler = async (
  event: DynamoDBStreamEvent,
): Promise<{ appended: number; treeSize: number }> => {
  const changes = (event.Records ?? []) as StreamChange[];
  const result = await log.append(auditRecordsOf(changes));
  deps.logger.info('audit records sealed', { received: changes.length, ...result });
  return result;
};
