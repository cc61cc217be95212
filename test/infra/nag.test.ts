import { type App, App as CdkApp, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGateway, cdkJsonContext } from './gateway-fixture';

/**
 * Every finding the gateway acknowledges, by rule id. Adding one here is a design decision: it needs a
 * reason in the code next to the resource, and a reviewer who agrees with it.
 */
const expectedAcknowledgements = [
  'AwsSolutions-APIG2', // request validation: zod in the functions
  'AwsSolutions-APIG4', // authorization: ES256 JWTs verified in the functions
  'AwsSolutions-APIG6', // execution logging: needs the account-wide role; the access log covers it
  'AwsSolutions-COG4', // Cognito authorizer: callers are OAuth clients of the gateway itself
  'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', // table writes under the data key
  'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', // table writes under the data key
  'AwsSolutions-IAM5[Resource::*]', // X-Ray has no resource-level permissions
  'AwsSolutions-SMG4', // signing keys rotate in the app, keeping the previous kid
];

interface Acknowledgement {
  path: string;
  id: string;
  reason: string;
}

function acknowledgementsIn(app: App): Acknowledgement[] {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions checks', () => {
  let app: App;
  let synthError: unknown;

  beforeAll(() => {
    // As `cdk synth` runs it: bundling aside, with the built-in CloudFormation validation and the nag plugin.
    app = buildGateway({ validate: true }).app;
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    try {
      app.synth();
    } catch (error) {
      synthError = error;
    }
  });

  it('synthesizes the whole app without an unacknowledged finding or template error', () => {
    expect(synthError === undefined ? '' : String(synthError)).toBe('');
  });

  it('finds no violation when the rules are run over the synthesized tree', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.map(
      (v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledges exactly the reviewed findings', () => {
    const ids = [...new Set(acknowledgementsIn(app).map((a) => a.id))].sort();
    expect(ids).toEqual([...expectedAcknowledgements].sort());
  });

  it('gives every acknowledgement a reason of substance', () => {
    for (const { path, id, reason } of acknowledgementsIn(app)) {
      expect(reason.length, `${id} at ${path}`).toBeGreaterThanOrEqual(80);
    }
  });

  it('fails synthesis when a new finding appears', () => {
    const probe = new CdkApp({ context: cdkJsonContext, builtinCloudFormationValidation: false });
    const stack = new Stack(probe, 'Probe');
    new Table(stack, 'NoRecovery', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
    Validations.of(probe).addPlugins(new AwsSolutionsChecks(probe));
    expect(() => probe.synth()).toThrow(/AwsSolutions-DDB3/);
  });
});
