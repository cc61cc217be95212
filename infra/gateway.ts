import type { App, Environment } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ApiStack, type ApiStackProps } from './stacks/api-stack';
import { DataStack } from './stacks/data-stack';

/** Everything that differs between deployments; infra/app.ts builds it from context and the environment. */
export interface GatewaySettings {
  readonly stage: string;
  readonly env?: Environment;
  /** The functions' own settings, parsed from the context (infra/settings.ts). */
  readonly functionSettings: ApiStackProps['functionSettings'];
  readonly logRetention: RetentionDays;
  readonly throttle: ApiStackProps['throttle'];
  readonly waf: ApiStackProps['waf'];
  readonly alarmEmail?: string;
}

export interface Gateway {
  readonly data: DataStack;
  readonly api: ApiStack;
}

/** Adds the gateway's two stacks to the app: stateful data first, then the API that uses it. */
export function createGateway(app: App, settings: GatewaySettings): Gateway {
  const { stage, env } = settings;
  const data = new DataStack(app, `ndg-${stage}-data`, {
    stage,
    env,
    description: `National Data Gateway (${stage}): tables, data key and signing keys (all retained)`,
    terminationProtection: true,
  });
  const api = new ApiStack(app, `ndg-${stage}-api`, {
    ...settings,
    env,
    description: `National Data Gateway (${stage}): REST API, functions, WAF and alarms`,
    tables: data.tables,
    signingKeys: data.signingKeys,
  });
  return { data, api };
}
