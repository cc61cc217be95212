import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Config, loadConfig } from './config';
import { createLogger, type Logger } from './log';
import { createStoreClient } from './storage/client';
import type { TableNames } from './storage/tables';

/** What every function's createApp(deps) receives. Tests build it around DynamoDB Local or a mocked client. */
export interface GatewayDeps {
  config: Config;
  logger: Logger;
  store: DynamoDBDocumentClient;
  tables: TableNames;
  /** The clock; tests move it to cross billing-period boundaries. */
  now: () => Date;
}

export function tableNamesFrom(config: Config): TableNames {
  return { control: config.CONTROL_TABLE, registry: config.REGISTRY_TABLE, ledger: config.LEDGER_TABLE };
}

/** Builds the dependencies from the environment, once per cold start. */
export function createDeps(config: Config = loadConfig()): GatewayDeps {
  return {
    config,
    logger: createLogger(config.LOG_LEVEL, { service: 'national-data-gateway' }),
    store: createStoreClient({ region: config.AWS_REGION, endpoint: config.DYNAMODB_ENDPOINT }),
    tables: tableNamesFrom(config),
    now: () => new Date(),
  };
}
