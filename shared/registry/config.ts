import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Config, registerVariables, type registrySettingsShape } from '../config';
import { REGISTER_NAMES, type RegisterName } from '../identity/model';
import type { TableNames } from '../storage/tables';
import { CircuitBreaker } from './circuit-breaker';
import { CustodianClient, HttpBusinessRegister, HttpRecords } from './custodian';
import { HostedBusinessRegister, HostedRecords } from './hosted';
import type { RegisterRecords } from './model';
import { type RecordKind, registerRecords } from './operations';
import type { BusinessRegister, RecordSource, RegisterProviders } from './provider';

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
  /** The register's hosted copy, or its custodian's API when its provider setting says `http`. */
  const served = <P>(register: RegisterName, hosted: () => P, http: (custodian: CustodianClient) => P): P => {
    const variables = registerVariables(register);
    return settings[variables.provider] === 'http'
      ? http(custodian(register, settings[variables.custodianUrl]!))
      : hosted();
  };
  /** A register's lookups by key, from its record kind. */
  const kinds: { readonly [N in RegisterName]: RecordKind<RegisterRecords[N]> } = registerRecords;
  const lookups = <N extends RegisterName>(register: N): RecordSource<RegisterRecords[N]> => {
    const kind = kinds[register];
    return served<RecordSource<RegisterRecords[N]>>(
      register,
      () => new HostedRecords(client, tables.registry, kind),
      (custodian) => new HttpRecords(custodian, kind),
    );
  };
  // The registers whose provider does more than look up (each built once: a custodian client holds a breaker).
  const searching: Partial<Record<RegisterName, () => RecordSource<unknown>>> = {
    business: () =>
      served<BusinessRegister>(
        'business',
        () => new HostedBusinessRegister(client, tables.registry),
        (custodian) => new HttpBusinessRegister(custodian),
      ),
  };
  return Object.fromEntries(
    REGISTER_NAMES.map((register) => [register, searching[register]?.() ?? lookups(register)]),
  ) as RegisterProviders;
}
