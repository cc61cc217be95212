import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Config, registerVariables, type registrySettingsShape } from '../config';
import { REGISTER_NAMES, type RegisterName } from '../identity/model';
import type { TableNames } from '../storage/tables';
import { CircuitBreaker } from './circuit-breaker';
import { CustodianClient, HttpBusinessRegister, HttpRecords } from './custodian';
import { HostedBusinessRegister, HostedRecords } from './hosted';
import type { RegisterRecords } from './model';
import { registerRecords } from './operations';
import type { RecordSource, RegisterProviders } from './provider';

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
  // Every register's lookups, as configured.
  const lookups = <N extends RegisterName>(register: N): RecordSource<RegisterRecords[N]> => {
    const kind = registerRecords[register];
    const variables = registerVariables(register);
    return settings[variables.provider] === 'http'
      ? new HttpRecords(custodian(register, settings[variables.custodianUrl]!), kind)
      : new HostedRecords(client, tables.registry, kind);
  };
  const providers = Object.fromEntries(REGISTER_NAMES.map((register) => [register, lookups(register)])) as {
    [N in RegisterName]: RecordSource<RegisterRecords[N]>;
  };
  // The business register's provider also searches.
  const business = registerVariables('business');
  return {
    ...providers,
    business:
      settings[business.provider] === 'http'
        ? new HttpBusinessRegister(custodian('business', settings[business.custodianUrl]!))
        : new HostedBusinessRegister(client, tables.registry),
  };
}
