import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface StoreClientOptions {
  region: string;
  /** DynamoDB Local's endpoint; absent in AWS. */
  endpoint?: string | undefined;
  maxAttempts?: number;
}

/**
 * Creates the document client once per process. Locally it points at DynamoDB Local with fixed dummy
 * credentials (DynamoDB Local keeps one database per access key, so every local client must agree).
 */
export function createStoreClient({
  region,
  endpoint,
  maxAttempts = 3,
}: StoreClientOptions): DynamoDBDocumentClient {
  const config: DynamoDBClientConfig = { region, maxAttempts };
  if (endpoint) {
    config.endpoint = endpoint;
    config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}
