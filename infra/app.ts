import { App, Validations } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigSchema } from '../shared/config';
import { createGateway, type GatewaySettings } from './gateway';

/**
 * The CDK entry point and the only place that reads context or the environment. Override any setting with
 * `-c key=value` (e.g. `npx cdk synth -c stage=prod -c tokenIssuer=https://api.example.gov.vn`).
 */
const app = new App();

function context(key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined || value === null || value === '' ? undefined : String(value);
}

function numberContext(key: string, fallback: number): number {
  const raw = context(key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`Context ${key} must be a positive integer, got ${raw}`);
  }
  return value;
}

const logLevels = ['debug', 'info', 'warn', 'error', 'silent'] as const;
const logLevel = context('logLevel') ?? 'info';
if (!logLevels.includes(logLevel as (typeof logLevels)[number])) {
  throw new Error(`Context logLevel must be one of ${logLevels.join(', ')}, got ${logLevel}`);
}
const retentionDays = numberContext('logRetentionDays', 365);
if (!Object.values(RetentionDays).includes(retentionDays)) {
  throw new Error(
    `Context logRetentionDays must be a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, ... 3653)`,
  );
}
const tokenTtlSeconds = numberContext('tokenTtlSeconds', 600);
if (tokenTtlSeconds > 3600) {
  // shared/config.ts refuses more at cold start; failing here saves a broken deployment.
  throw new Error(`Context tokenTtlSeconds must be at most 3600, got ${tokenTtlSeconds}`);
}
const secretRotationOverlapSeconds = numberContext('secretRotationOverlapSeconds', 24 * 3600);
if (secretRotationOverlapSeconds > 7 * 24 * 3600) {
  // The same limit shared/config.ts enforces at cold start.
  throw new Error(
    `Context secretRotationOverlapSeconds must be at most 604800 (7 days), got ${secretRotationOverlapSeconds}`,
  );
}
const defaultLimits = {
  monthlyQuota: numberContext('defaultMonthlyQuota', 10_000),
  ratePerSecond: numberContext('defaultRatePerSecond', 10),
  rateBurst: numberContext('defaultRateBurst', 20),
};
if (defaultLimits.rateBurst < defaultLimits.ratePerSecond) {
  // A price plan is refused for the same reason (shared/identity/plans.ts).
  throw new Error(
    `Context defaultRateBurst (${defaultLimits.rateBurst}) must be at least defaultRatePerSecond (${defaultLimits.ratePerSecond})`,
  );
}
const vatPercent = context('vatPercent') === undefined ? 10 : Number(context('vatPercent'));
if (!Number.isInteger(vatPercent) || vatPercent < 0 || vatPercent > 100) {
  // The same rule shared/config.ts enforces at cold start.
  throw new Error(`Context vatPercent must be an integer from 0 to 100, got ${context('vatPercent')}`);
}
const stage = context('stage') ?? 'dev';
if (!/^[a-z][a-z0-9-]{1,20}$/.test(stage)) {
  throw new Error(`Context stage must be lowercase kebab-case (it names tables and stacks), got ${stage}`);
}

// Checked here with the rule shared/config.ts applies at cold start: a bad origin fails the synth, not the API.
const corsOrigins = ConfigSchema.shape.CORS_ALLOWED_ORIGINS.safeParse(context('corsAllowedOrigins') ?? '');
if (!corsOrigins.success) {
  throw new Error(
    `Context corsAllowedOrigins must be a comma list of origins (https://host[:port]), got ${context('corsAllowedOrigins')}`,
  );
}

const settings: GatewaySettings = {
  stage,
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    // Never the CLI profile's default region: where the registers' data lives is a decision, not an accident.
    region: context('region') ?? 'ap-southeast-1',
  },
  tokenIssuer: context('tokenIssuer'),
  tokenAudience: context('tokenAudience') ?? 'national-data-gateway',
  tokenTtlSeconds,
  secretRotationOverlapSeconds,
  defaultLimits,
  vatPercent,
  maxBodyBytes: numberContext('maxBodyBytes', 64 * 1024),
  corsAllowedOrigins: corsOrigins.data,
  logLevel: logLevel as GatewaySettings['logLevel'],
  logRetention: retentionDays as RetentionDays,
  throttle: {
    rateLimit: numberContext('throttleRateLimit', 1000),
    burstLimit: numberContext('throttleBurstLimit', 2000),
  },
  waf: {
    requestsPerIp: numberContext('wafRequestsPerIpPer5Min', 30_000),
    tokenRequestsPerIp: numberContext('wafTokenRequestsPerIpPer5Min', 300),
  },
  alarmEmail: context('alarmEmail'),
};

createGateway(app, settings);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
