import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  ListTablesCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type TableKey, type TableNames, tableDefinitions } from './tables';

/** Creates any missing table (local host and tests only; in AWS the CDK data stack owns the tables). */
export async function ensureTables(client: DynamoDBDocumentClient, names: TableNames): Promise<string[]> {
  const existing = new Set<string>();
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const name of page.TableNames ?? []) existing.add(name);
    start = page.LastEvaluatedTableName;
  } while (start);

  const created: string[] = [];
  for (const key of Object.keys(tableDefinitions) as TableKey[]) {
    const name = names[key];
    if (existing.has(name)) {
      await ensureStream(client, key, name);
      continue;
    }
    await client.send(new CreateTableCommand(createTableInput(key, name)));
    const ttl = tableDefinitions[key].ttlAttribute;
    if (ttl) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: ttl, Enabled: true },
        }),
      );
    }
    created.push(name);
  }
  return created;
}

/** A table made before it had a stream (local data of an earlier version) gets one: the audit sealer reads it. */
async function ensureStream(client: DynamoDBDocumentClient, key: TableKey, name: string): Promise<void> {
  const view = tableDefinitions[key].stream;
  if (!view) return;
  const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
  if (Table?.StreamSpecification?.StreamEnabled) return;
  await client.send(
    new UpdateTableCommand({
      TableName: name,
      StreamSpecification: { StreamEnabled: true, StreamViewType: view },
    }),
  );
}

function createTableInput(key: TableKey, name: string): CreateTableCommandInput {
  const def = tableDefinitions[key];
  const attributes = new Set([def.partitionKey, def.sortKey]);
  for (const index of def.indexes) {
    attributes.add(index.partitionKey);
    attributes.add(index.sortKey);
  }
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    ...(def.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: def.stream } } : {}),
    AttributeDefinitions: [...attributes].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: def.partitionKey, KeyType: 'HASH' },
      { AttributeName: def.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: def.indexes.length
      ? def.indexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        }))
      : undefined,
  };
}
