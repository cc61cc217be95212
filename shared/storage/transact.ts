import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../errors';
import { isConditionFailure } from './errors';

/** One item of a TransactWriteItems call: admin writes carry their audit record in the same transaction. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Runs a transaction; a failed condition (someone else changed or created the item) becomes a 409 saying
 * `conflict`. A conflict with another transaction or a throttled item is transient and thrown as it is (503).
 */
export async function transactOrConflict(
  client: DynamoDBDocumentClient,
  items: TransactItem[],
  conflict: string,
): Promise<void> {
  try {
    await client.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    if (isConditionFailure(error)) throw new ConflictError(conflict);
    throw error;
  }
}
