import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { createGateway, type Gateway, type GatewaySettings } from '../../infra/gateway';
import { functionSettings } from '../../infra/settings';

/** cdk.json's context (the feature flags): `new App()` outside the CLI does not read cdk.json itself. */
export const cdkJsonContext: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'),
).context;

export const testSettings: GatewaySettings = {
  stage: 'test',
  env: { region: 'ap-southeast-1' },
  // The functions' defaults, as infra/app.ts parses them from an empty context.
  functionSettings: functionSettings(() => undefined),
  logRetention: RetentionDays.ONE_YEAR,
  throttle: { rateLimit: 1000, burstLimit: 2000 },
  waf: { requestsPerIp: 30000, tokenRequestsPerIp: 300 },
};

export interface BuildOptions {
  /** Run esbuild for every function (slower); otherwise assets are placeholders. */
  readonly bundle?: boolean;
  /** Run aws-cdk-lib's built-in CloudFormation validation at synth, as `cdk synth` does (~3 s). */
  readonly validate?: boolean;
  /** Settings that differ from testSettings. */
  readonly settings?: Partial<GatewaySettings>;
}

/** Function settings from context values, as infra/app.ts reads them (`{ vatPercent: '8' }`). */
export const withContext = (context: Record<string, string>) => functionSettings((key) => context[key]);

/** Builds the gateway app the way infra/app.ts does, with the test settings. */
export function buildGateway({ bundle = false, validate = false, settings = {} }: BuildOptions = {}): {
  app: App;
  gateway: Gateway;
} {
  const context = { ...cdkJsonContext, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) };
  const app = new App({ context, builtinCloudFormationValidation: validate });
  return { app, gateway: createGateway(app, { ...testSettings, ...settings }) };
}

export type Resources = Record<
  string,
  { Type: string; Properties: Record<string, unknown>; [k: string]: unknown }
>;

/** Resources of one type, by logical id. */
export function resourcesOfType(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}
