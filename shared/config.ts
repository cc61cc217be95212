import { z } from 'zod';
import { REGISTER_NAMES, type RegisterName } from './identity/model';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const int = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

type Upper = Uppercase<RegisterName>;

/** The variables that choose a register's provider: `POPULATION_PROVIDER` and `POPULATION_CUSTODIAN_URL`, ... */
export function registerVariables<N extends RegisterName>(register: N) {
  const name = register.toUpperCase() as Uppercase<N>;
  return { provider: `${name}_PROVIDER`, custodianUrl: `${name}_CUSTODIAN_URL` } as const;
}

const providerSetting = z.enum(['hosted', 'http']).default('hosted');
const custodianUrlSetting = z.url({ protocol: /^https?$/ }).optional();
type ProviderSettingsShape = { [K in Upper as `${K}_PROVIDER`]: typeof providerSetting } & {
  [K in Upper as `${K}_CUSTODIAN_URL`]: typeof custodianUrlSetting;
};

/**
 * Which provider serves each register, and how the gateway talks to a custodian. `hosted` (the default) reads
 * the copy in the registry table; `http` forwards to the custodian's API at `*_CUSTODIAN_URL`. One pair per
 * register of REGISTERS. Only the registry function acts on them (shared/registry/config.ts); the CDK stack
 * gives them to it alone.
 */
export const registrySettingsShape = {
  ...(Object.fromEntries(
    REGISTER_NAMES.flatMap((register) => {
      const variables = registerVariables(register);
      return [
        [variables.provider, providerSetting],
        [variables.custodianUrl, custodianUrlSetting],
      ];
    }),
  ) as ProviderSettingsShape),
  /** Per attempt, from request to last byte. */
  CUSTODIAN_TIMEOUT_MS: int(2000, 50, 25_000),
  /** Extra attempts on network errors and 5xx (reads only). */
  CUSTODIAN_RETRIES: int(2, 0, 5),
  CUSTODIAN_BACKOFF_MS: int(100, 0, 5000),
  /** Consecutive failed calls that open the circuit. */
  CUSTODIAN_FAILURE_THRESHOLD: int(5, 1, 1000),
  CUSTODIAN_COOLDOWN_MS: int(30_000, 100, 600_000),
};

/** The provider settings as parsed. */
type RegisterSettings = z.output<z.ZodObject<ProviderSettingsShape>>;

/** A register served by its custodian needs the custodian's URL. */
export function requireCustodianUrls(settings: RegisterSettings, ctx: z.RefinementCtx): void {
  for (const register of REGISTER_NAMES) {
    const variables = registerVariables(register);
    if (settings[variables.provider] === 'http' && !settings[variables.custodianUrl]) {
      ctx.addIssue({
        code: 'custom',
        path: [variables.custodianUrl],
        message: `required when ${variables.provider} is http`,
      });
    }
  }
}

/**
 * Everything a function reads from its environment, parsed once at cold start; infra/settings.ts parses the
 * CDK context with it too, so a value the functions would refuse fails the synth instead.
 */
export const ConfigSchema = z
  .object({
    CONTROL_TABLE: z.string().min(3).default('ndg-control'),
    REGISTRY_TABLE: z.string().min(3).default('ndg-registry'),
    LEDGER_TABLE: z.string().min(3).default('ndg-ledger'),
    /** Set only locally: the DynamoDB Local endpoint. In AWS the SDK finds the regional endpoint. */
    DYNAMODB_ENDPOINT: z.url().optional(),
    AWS_REGION: z.string().default('ap-southeast-1'),
    TOKEN_ISSUER: z.url().default('http://localhost:3000'),
    TOKEN_AUDIENCE: z.string().min(1).default('national-data-gateway'),
    TOKEN_TTL_SECONDS: positiveInt(600).pipe(z.number().max(3600)),
    /** AWS: the Secrets Manager secret holding the signing keys. Locally the key file under DATA_DIR is used. */
    SIGNING_KEYS_SECRET_ARN: z.string().optional(),
    /** Local host: the key file (created on first start). Without either, keys live in memory (tests). */
    SIGNING_KEYS_FILE: z.string().optional(),
    /**
     * `published`: this function only verifies tokens and reads the public keys from the control table, with no
     * access to the secret (AWS: registry and audit). `private` (default): the secret, file or memory above.
     */
    SIGNING_KEYS_SOURCE: z.enum(['private', 'published']).default('private'),
    /** How long a rotated client secret keeps working beside the new one. */
    SECRET_ROTATION_OVERLAP_SECONDS: positiveInt(24 * 3600).pipe(z.number().max(7 * 24 * 3600)),
    MAX_BODY_BYTES: positiveInt(64 * 1024),
    /**
     * Total request header bytes (names and values) the gateway accepts; larger is a 431 problem+json. The default
     * is API Gateway's own REST limit (10,240 bytes), so the local host refuses what AWS would; Node's is 16 KiB.
     */
    HEADER_LIMIT_BYTES: positiveInt(10_240),
    /** Browser origins allowed to call the API (comma list). Unset: no CORS headers at all, preflights included. */
    CORS_ALLOWED_ORIGINS: z
      .string()
      .default('')
      .transform((list) =>
        list
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean),
      )
      .pipe(
        z.array(
          z
            .string()
            .regex(/^https?:\/\/[^/\s*]+$/, 'an origin is scheme://host[:port], no path and no wildcard'),
        ),
      ),
    /** Limits for an agency with no price plan assigned (its calls are metered, and priced at zero). */
    DEFAULT_MONTHLY_QUOTA: positiveInt(10_000),
    DEFAULT_RATE_PER_SECOND: positiveInt(10),
    DEFAULT_RATE_BURST: positiveInt(20),
    /** VAT on statements, an integer percent applied once on the subtotal. */
    BILLING_VAT_PERCENT: z.coerce.number().int().min(0).max(100).default(10),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    ...registrySettingsShape,
  })
  .superRefine((config, ctx) => {
    requireCustodianUrls(config, ctx);
    // A plan with a burst below its rate is refused for the same reason (shared/identity/plans.ts).
    if (config.DEFAULT_RATE_BURST < config.DEFAULT_RATE_PER_SECOND) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEFAULT_RATE_BURST'],
        message: `must be at least DEFAULT_RATE_PER_SECOND (${config.DEFAULT_RATE_PER_SECOND})`,
      });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws one readable error naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  return result.data;
}
