import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { logKeys } from '../storage/keys/ledger';
import type { SignedCheckpoint } from './checkpoint';

/** The audit log's latest signed checkpoint (a read of its state item), or undefined before the first seal. */
export async function latestCheckpoint(
  client: DynamoDBDocumentClient,
  tableName: string,
): Promise<SignedCheckpoint | undefined> {
  const { Item } = await client.send(
    new GetCommand({ TableName: tableName, Key: logKeys.state, ConsistentRead: true }),
  );
  return Item?.checkpoint as SignedCheckpoint | undefined;
}
