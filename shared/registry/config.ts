import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config, registrySettingsShape } from '../config';
import type { TableNames } from '../storage/tables';
import { CircuitBreaker } from './circuit-breaker';
import { CustodianClient, HttpBusinessRegister, HttpRecords } from './custodian';
import type { RegisterName } from './errors';
import { HostedBusinessRegister, HostedRecords } from './hosted';
import { citizenRecord } from './operations';
import type { RegisterProviders } from './provider';

/** What createProviders reads of the configuration (shared/config.ts parses it with everything else). */
export type RegistrySettings = Pick<Config, keyof typeof registrySettingsShape>;

export interface ProviderOptions {
  /** Milliseconds since the epoch, for the circuit breakers (tests move it). */
  now?: () => number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/** Builds one provider per register, as configured. Call once per process: breakers keep state. */
export function createProviders(
  settings: RegistrySettings,
  client: DynamoDBDocumentClient,
  tables: Pick<TableNames, 'registry'>,
  options: ProviderOptions = {},
): RegisterProviders {
  const custodian = (register: RegisterName, baseUrl: string) =>
    new CustodianClient({
      register,
      baseUrl,
      timeoutMs: settings.CUSTODIAN_TIMEOUT_MS,
      retries: settings.CUSTODIAN_RETRIES,
      backoffMs: settings.CUSTODIAN_BACKOFF_MS,
      breaker: new CircuitBreaker({
        failureThreshold: settings.CUSTODIAN_FAILURE_THRESHOLD,
        cooldownMs: settings.CUSTODIAN_COOLDOWN_MS,
        ...(options.now ? { now: options.now } : {}),
      }),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
  return {
    population:
      settings.POPULATION_PROVIDER === 'http'
        ? new HttpRecords(custodian('population', settings.POPULATION_CUSTODIAN_URL!), citizenRecord)
        : new HostedRecords(client, tables.registry, citizenRecord),
    business:
      settings.BUSINESS_PROVIDER === 'http'
        ? new HttpBusinessRegister(custodian('business', settings.BUSINESS_CUSTODIAN_URL!))
        : new HostedBusinessRegister(client, tables.registry),
  };
}
