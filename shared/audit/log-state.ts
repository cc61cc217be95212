import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SignedCheckpoint } from './checkpoint';
import type { TileRef } from './tiles';

/** Key layout of the log in the ledger table (no key is written by a brokered call). */
export const logKeys = {
  state: { pk: 'LOG#STATE', sk: 'STATE' },
  tile: (tile: TileRef) => ({ pk: `LOG#TILE#${tile.level}#${tile.index}`, sk: 'TILE' }),
  bundle: (index: number) => ({ pk: `LOG#BUNDLE#${index}`, sk: 'BUNDLE' }),
  /** The leaf index of one record, by record (request) id: what a proof is looked up by. */
  leaf: (recordId: string) => ({ pk: `LEAF#${recordId}`, sk: 'LEAF' }),
  /** Every checkpoint, by tree size, in one partition (written once per sealed batch). */
  checkpoint: (treeSize: number) => ({ pk: 'LOG#CHECKPOINTS', sk: String(treeSize).padStart(16, '0') }),
  verified: { pk: 'LOG#VERIFIED', sk: 'VERIFIED' },
};

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
