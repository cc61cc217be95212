import { type Config, ConfigSchema, registerVariables } from '../shared/config';
import { REGISTER_NAMES } from '../shared/identity/model';

/**
 * The CDK context keys (`-c key=value`) that set a function setting, and the variable each one sets: what
 * shared/config.ts parses at cold start. The functions' defaults apply to a key not given.
 */
export const functionContextKeys = {
  tokenIssuer: 'TOKEN_ISSUER',
  tokenAudience: 'TOKEN_AUDIENCE',
  tokenTtlSeconds: 'TOKEN_TTL_SECONDS',
  secretRotationOverlapSeconds: 'SECRET_ROTATION_OVERLAP_SECONDS',
  defaultMonthlyQuota: 'DEFAULT_MONTHLY_QUOTA',
  defaultRatePerSecond: 'DEFAULT_RATE_PER_SECOND',
  defaultRateBurst: 'DEFAULT_RATE_BURST',
  vatPercent: 'BILLING_VAT_PERCENT',
  maxBodyBytes: 'MAX_BODY_BYTES',
  headerLimitBytes: 'HEADER_LIMIT_BYTES',
  corsAllowedOrigins: 'CORS_ALLOWED_ORIGINS',
  logLevel: 'LOG_LEVEL',
} as const satisfies Record<string, keyof Config>;

/** The register provider settings: only the registry function gets them (shared/registry/config.ts). */
export const registryContextKeys: Readonly<Record<string, keyof Config>> = {
  // One pair per register: populationProvider sets POPULATION_PROVIDER, populationCustodianUrl its URL, ...
  ...Object.fromEntries(
    REGISTER_NAMES.flatMap((register) => {
      const variables = registerVariables(register);
      return [
        [`${register}Provider`, variables.provider],
        [`${register}CustodianUrl`, variables.custodianUrl],
      ];
    }),
  ),
  custodianTimeoutMs: 'CUSTODIAN_TIMEOUT_MS',
  custodianRetries: 'CUSTODIAN_RETRIES',
  custodianBackoffMs: 'CUSTODIAN_BACKOFF_MS',
  custodianFailureThreshold: 'CUSTODIAN_FAILURE_THRESHOLD',
  custodianCooldownMs: 'CUSTODIAN_COOLDOWN_MS',
};

/** The variables of every function, and those of the registry function alone, as the stack sets them. */
export interface FunctionSettings {
  /** Every function's; TOKEN_ISSUER only when the context gives one (the stack defaults it to its own URL). */
  readonly environment: Readonly<Record<string, string>>;
  readonly registryEnvironment: Readonly<Record<string, string>>;
  /** The parsed values, for what the stack itself decides from them. */
  readonly config: Config;
}

const contextKeyOf: Record<string, string> = Object.fromEntries(
  Object.entries({ ...functionContextKeys, ...registryContextKeys }).map(([key, variable]) => [
    variable,
    key,
  ]),
);

/** A parsed value as the variable's text: a list comma-separated; nothing for an absent or empty value. */
function asVariable(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.length ? value.join(',') : undefined;
  return String(value);
}

/**
 * Reads the function settings from the context and parses them with ConfigSchema, the schema the functions
 * themselves parse at cold start: a value they would refuse fails the synth, naming its context key. Each
 * variable is set to the parsed value, defaults included, so the template says what the functions will use.
 */
export function functionSettings(context: (key: string) => string | undefined): FunctionSettings {
  const given: Record<string, string> = {};
  for (const [key, variable] of Object.entries({ ...functionContextKeys, ...registryContextKeys })) {
    const value = context(key);
    if (value !== undefined) given[variable] = value;
  }
  const parsed = ConfigSchema.safeParse(given);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '');
      const key = contextKeyOf[variable] ?? variable;
      const value = given[variable];
      // The rule in the context's words: "at least DEFAULT_RATE_PER_SECOND" says "at least defaultRatePerSecond".
      const message = issue.message.replace(/\b[A-Z][A-Z0-9_]+\b/g, (name) => contextKeyOf[name] ?? name);
      return `Context ${key}${value === undefined ? '' : ` (${value})`}: ${message}`;
    });
    throw new Error(problems.join('; '));
  }
  const pick = (keys: Record<string, keyof Config>, skip: readonly string[] = []) => {
    const out: Record<string, string> = {};
    for (const variable of Object.values(keys)) {
      const text = asVariable(parsed.data[variable]);
      if (text !== undefined && !skip.includes(variable)) out[variable] = text;
    }
    return out;
  };
  return {
    // The issuer's default (http://localhost:3000) is the local host's, never a deployment's.
    environment: pick(functionContextKeys, given.TOKEN_ISSUER ? [] : ['TOKEN_ISSUER']),
    registryEnvironment: pick(registryContextKeys),
    config: parsed.data,
  };
}
