import { App, Validations } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createGateway, type GatewaySettings } from './gateway';
import { functionSettings } from './settings';

/**
 * The CDK entry point and the only place that reads context or the environment. Override any setting with
 * `-c key=value` (e.g. `npx cdk synth -c stage=prod -c tokenIssuer=https://api.example.gov.vn`): the functions'
 * settings are the keys of infra/settings.ts (tokenIssuer, vatPercent, populationCustodianUrl, ...), parsed by
 * shared/config.ts's schema; the deployment's own (stage, region, logs, throttling, WAF, alarms) are below.
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

const retentionDays = numberContext('logRetentionDays', 365);
if (!Object.values(RetentionDays).includes(retentionDays)) {
  throw new Error(
    `Context logRetentionDays must be a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, ... 3653)`,
  );
}
// The functions' settings, parsed with the schema they parse at cold start: a value they would refuse fails here.
const functions = functionSettings(context);
const stage = context('stage') ?? 'dev';
if (!/^[a-z][a-z0-9-]{1,20}$/.test(stage)) {
  throw new Error(`Context stage must be lowercase kebab-case (it names tables and stacks), got ${stage}`);
}

const settings: GatewaySettings = {
  stage,
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    // Never the CLI profile's default region: where the registers' data lives is a decision, not an accident.
    region: context('region') ?? 'ap-southeast-1',
  },
  functionSettings: functions,
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
