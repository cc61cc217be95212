import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '../../shared/config';
import { assembleDeps, type GatewayDeps } from '../../shared/deps';
import { createLogger } from '../../shared/log';
import { createStoreClient } from '../../shared/storage/client';
import { ensureTables } from '../../shared/storage/provision';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** Every log line a test's gateway wrote, to search for secrets and personal data. */
export interface CapturedLogs {
  lines: string[];
  text(): string;
}

export function captureLogs(): { logs: CapturedLogs; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return {
    logs: { lines, text: () => lines.join('\n') },
    logger: createLogger('debug', { service: 'test' }, (line) => lines.push(line)),
  };
}

export interface TestDepsOptions {
  env?: Record<string, string>;
  now?: () => Date;
}

/** Dependencies over a mockable client that reaches no network (unit tests, fault injection). */
export function unitDeps(options: TestDepsOptions = {}): GatewayDeps & { logs: CapturedLogs } {
  const config = loadConfig({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:9', ...options.env });
  const { logs, logger } = captureLogs();
  const store = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'local',
      endpoint: config.DYNAMODB_ENDPOINT,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    }),
  );
  return { ...assembleDeps({ config, logger, store, ...(options.now ? { now: options.now } : {}) }), logs };
}

/** Dependencies over DynamoDB Local with fresh tables of their own, so test files never share state. */
export async function integrationDeps(
  endpoint: string,
  options: TestDepsOptions = {},
): Promise<GatewayDeps & { logs: CapturedLogs }> {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    DYNAMODB_ENDPOINT: endpoint,
    CONTROL_TABLE: `${prefix}-control`,
    REGISTRY_TABLE: `${prefix}-registry`,
    LEDGER_TABLE: `${prefix}-ledger`,
    ...options.env,
  });
  const { logs, logger } = captureLogs();
  const store = createStoreClient({ region: config.AWS_REGION, endpoint });
  const deps = assembleDeps({ config, logger, store, ...(options.now ? { now: options.now } : {}) });
  await ensureTables(store, deps.tables);
  return { ...deps, logs };
}
