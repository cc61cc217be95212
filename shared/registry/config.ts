import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { TableNames } from '../storage/tables';
import { CircuitBreaker } from './circuit-breaker';
import { CustodianClient, HttpBusinessRegister, HttpPopulationRegister } from './custodian';
import type { RegisterName } from './errors';
import { HostedBusinessRegister, HostedPopulationRegister } from './hosted';
import type { RegisterProviders } from './provider';

const int = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * Which provider serves each register, read once at cold start. `hosted` (the default) reads the copy in
 * the registry table; `http` forwards to the custodian's API at `*_CUSTODIAN_URL`.
 */
export const RegistrySettingsSchema = z
  .object({
    POPULATION_PROVIDER: z.enum(['hosted', 'http']).default('hosted'),
    POPULATION_CUSTODIAN_URL: z.url({ protocol: /^https?$/ }).optional(),
    BUSINESS_PROVIDER: z.enum(['hosted', 'http']).default('hosted'),
    BUSINESS_CUSTODIAN_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** Per attempt, from request to last byte. */
    CUSTODIAN_TIMEOUT_MS: int(2000, 50, 25_000),
    /** Extra attempts on network errors and 5xx (reads only). */
    CUSTODIAN_RETRIES: int(2, 0, 5),
    CUSTODIAN_BACKOFF_MS: int(100, 0, 5000),
    /** Consecutive failed calls that open the circuit. */
    CUSTODIAN_FAILURE_THRESHOLD: int(5, 1, 1000),
    CUSTODIAN_COOLDOWN_MS: int(30_000, 100, 600_000),
  })
  .superRefine((settings, ctx) => {
    for (const register of ['POPULATION', 'BUSINESS'] as const) {
      if (settings[`${register}_PROVIDER`] === 'http' && !settings[`${register}_CUSTODIAN_URL`]) {
        ctx.addIssue({
          code: 'custom',
          path: [`${register}_CUSTODIAN_URL`],
          message: `required when ${register}_PROVIDER is http`,
        });
      }
    }
  });
export type RegistrySettings = z.infer<typeof RegistrySettingsSchema>;

export class RegistrySettingsError extends Error {
  override name = 'RegistrySettingsError';
}

/** Parses the provider settings from the environment; one readable error names every bad variable. */
export function loadRegistrySettings(
  env: Record<string, string | undefined> = process.env,
): RegistrySettings {
  const result = RegistrySettingsSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new RegistrySettingsError(`Invalid registry provider configuration: ${problems}`);
  }
  return result.data;
}

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
        ? new HttpPopulationRegister(custodian('population', settings.POPULATION_CUSTODIAN_URL!))
        : new HostedPopulationRegister(client, tables.registry),
    business:
      settings.BUSINESS_PROVIDER === 'http'
        ? new HttpBusinessRegister(custodian('business', settings.BUSINESS_CUSTODIAN_URL!))
        : new HostedBusinessRegister(client, tables.registry),
  };
}
