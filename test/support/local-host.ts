import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

/**
 * The environment of a local host (`npm start`) over the test run's DynamoDB Local, on tables of its own (a fresh
 * prefix per call), in memory, quiet, on a free port, with no synthetic register and no timed sealer unless
 * `overrides` ask for them. Two starts with the same environment share the tables: the second is a restart.
 */
export function localHostEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const prefix = `h${randomBytes(4).toString('hex')}`;
  return {
    PORT: '0',
    IN_MEMORY: '1',
    LOG_LEVEL: 'silent',
    DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
    CONTROL_TABLE: `${prefix}-control`,
    REGISTRY_TABLE: `${prefix}-registry`,
    LEDGER_TABLE: `${prefix}-ledger`,
    SEED_CITIZENS: '0',
    SEED_BUSINESSES: '0',
    AUDIT_SEAL_INTERVAL_MS: '0',
    ...overrides,
  };
}
