import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Everything a function reads from its environment, parsed once at cold start. */
export const ConfigSchema = z.object({
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
