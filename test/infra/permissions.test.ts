import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../infra/gateway';
import { dataKeyLogicalId, signingKeysLogicalId, tableLogicalIds } from '../../infra/stacks/data-stack';
import { type TableKey, tableDefinitions } from '../../shared/storage/tables';
import { buildGateway, resourcesOfType } from './gateway-fixture';

type FunctionName = keyof Gateway['api']['functions'];
type Access = 'none' | 'read' | 'readWrite';

/** The least-privilege matrix the API stack must produce. */
const expectedAccess: Record<FunctionName, Record<TableKey, Access>> = {
  token: { control: 'readWrite', registry: 'none', ledger: 'none' },
  registry: { control: 'read', registry: 'read', ledger: 'readWrite' },
  admin: { control: 'readWrite', registry: 'none', ledger: 'readWrite' },
  billing: { control: 'read', registry: 'none', ledger: 'readWrite' },
  audit: { control: 'read', registry: 'none', ledger: 'read' },
  sealer: { control: 'none', registry: 'none', ledger: 'readWrite' },
};

/**
 * What each function may do with the signing-key secret: token signs access tokens, billing signs statements,
 * admin rotates, the sealer signs the audit log's checkpoints; registry and audit only verify, with the public
 * keys published in the control table.
 */
const expectedSecretActions: Record<FunctionName, string[]> = {
  token: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
  registry: [],
  admin: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
  billing: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
  audit: [],
  sealer: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
};
const viaSecretsManager = {
  StringEquals: { 'kms:ViaService': 'secretsmanager.ap-southeast-1.amazonaws.com' },
};

const writeActions = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];
const readActions = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:BatchGetItem',
  'dynamodb:ConditionCheckItem',
];

interface Statement {
  Effect: string;
  Action: string[];
  Resource: string[];
  Condition?: unknown;
}

describe('function permissions', () => {
  let gateway: Gateway;
  let statements: Record<FunctionName, Statement[]>;
  let roles: Record<FunctionName, { ManagedPolicyArns?: unknown }>;

  beforeAll(() => {
    gateway = buildGateway().gateway;
    const template = Template.fromStack(gateway.api);
    const policies = Object.values(resourcesOfType(template, 'AWS::IAM::Policy'));
    const names = Object.keys(expectedAccess) as FunctionName[];
    const roleId = (name: FunctionName) =>
      gateway.api.resolve(
        (gateway.api.functions[name].role.node.defaultChild as CfnElement).logicalId,
      ) as string;

    statements = Object.fromEntries(
      names.map((name) => {
        const attached = policies.filter((p) =>
          (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId(name)),
        );
        const list = attached.flatMap(
          (p) => (p.Properties.PolicyDocument as { Statement: unknown[] }).Statement,
        );
        return [name, list.map(normalise)];
      }),
    ) as Record<FunctionName, Statement[]>;
    roles = Object.fromEntries(
      names.map((name) => [name, template.toJSON().Resources[roleId(name)].Properties]),
    ) as typeof roles;
  });

  /** DynamoDB actions a function may perform on a table (or, with onIndex, on that table's indexes). */
  const tableActions = (name: FunctionName, key: TableKey, onIndex = false) =>
    new Set(
      statements[name]
        .filter((s) => s.Effect === 'Allow')
        .filter((s) =>
          s.Resource.some(
            (r) => r.includes(`${tableLogicalIds[key]}Arn`) && r.includes('/index/') === onIndex,
          ),
        )
        .flatMap((s) => s.Action)
        .filter((a) => a.startsWith('dynamodb:')),
    );

  describe.each(Object.entries(expectedAccess) as [FunctionName, Record<TableKey, Access>][])(
    'the %s function',
    (name, access) => {
      it.each(Object.entries(access) as [TableKey, Access][])('has %s table access: %s', (key, expected) => {
        const actions = tableActions(name, key);
        const indexActions = tableActions(name, key, true);
        if (expected === 'none') {
          expect([...actions, ...indexActions]).toEqual([]);
          return;
        }
        for (const action of readActions) expect(actions, action).toContain(action);
        for (const action of writeActions) {
          if (expected === 'readWrite') expect(actions, action).toContain(action);
          else expect(actions, action).not.toContain(action);
        }
        expect([...indexActions].sort()).toEqual(
          tableDefinitions[key].indexes.length > 0 ? ['dynamodb:Query', 'dynamodb:Scan'] : [],
        );
      });

      it(`has exactly its signing-key secret access: ${expectedSecretActions[name].join(', ') || 'none'}`, () => {
        const secretActions = statements[name]
          .filter((s) => s.Resource.some((r) => r.includes(signingKeysLogicalId)))
          .flatMap((s) => s.Action);
        expect(secretActions.sort()).toEqual(expectedSecretActions[name]);
        // Nothing on any other resource either (a wildcard or another secret).
        const anywhere = statements[name]
          .flatMap((s) => s.Action)
          .filter((a) => a.startsWith('secretsmanager:'));
        expect(anywhere.sort()).toEqual(expectedSecretActions[name]);
      });

      it('uses the data key for the secret only through Secrets Manager', () => {
        const keyStatements = statements[name].filter((s) =>
          s.Resource.some((r) => r.includes(dataKeyLogicalId)),
        );
        const viaSecrets = keyStatements.filter((s) => s.Condition !== undefined);
        for (const statement of viaSecrets) expect(statement.Condition).toEqual(viaSecretsManager);
        const secretKeyActions = viaSecrets.flatMap((s) => s.Action).sort();
        const reads = expectedSecretActions[name].includes('secretsmanager:GetSecretValue');
        const writes = expectedSecretActions[name].includes('secretsmanager:PutSecretValue');
        expect(secretKeyActions).toEqual([
          ...(reads ? ['kms:Decrypt'] : []),
          ...(writes ? ['kms:GenerateDataKey'] : []),
        ]);
      });

      it('uses the data key only to decrypt unless it writes a table', () => {
        const keyActions = new Set(
          statements[name]
            .filter((s) => s.Resource.some((r) => r.includes(dataKeyLogicalId)))
            .flatMap((s) => s.Action),
        );
        expect(keyActions).toContain('kms:Decrypt');
        const writes = Object.values(access).includes('readWrite');
        expect(keyActions.has('kms:GenerateDataKey*'), 'GenerateDataKey*').toBe(writes);
        expect(keyActions.has('kms:Encrypt'), 'Encrypt').toBe(writes);
      });

      it('allows "*" resources only for X-Ray tracing (and the sealer to list streams)', () => {
        const onAnything = statements[name].filter((s) => s.Resource.includes('*')).flatMap((s) => s.Action);
        // dynamodb:ListStreams has no resource-level permission; the stream's records are granted by its ARN.
        const streams = name === 'sealer' ? ['dynamodb:ListStreams'] : [];
        expect(onAnything.sort()).toEqual([...streams, 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
        const wildcardTables = statements[name]
          .flatMap((s) => s.Resource)
          .filter((r) => r.includes('/index/*'));
        expect(wildcardTables).toEqual([]);
      });

      it('has no AWS managed policy and writes logs only to its own log group', () => {
        expect(roles[name].ManagedPolicyArns).toBeUndefined();
        const logStatements = statements[name].filter((s) => s.Action.some((a) => a.startsWith('logs:')));
        expect(logStatements).toHaveLength(1);
        expect(logStatements[0]?.Resource).toHaveLength(1);
        expect(logStatements[0]?.Resource[0]).toMatch(/"Fn::GetAtt":\["\w+Logs\w+","Arn"\]/);
      });
    },
  );

  it('lets the registry function read the control table (liveness in its first round trip), never write it', () => {
    expect(tableActions('registry', 'control')).toContain('dynamodb:BatchGetItem');
    expect(tableActions('registry', 'control')).not.toContain('dynamodb:PutItem');
  });

  it('lets the audit sealer read the ledger stream and write the ledger, and no other table', () => {
    for (const action of [...readActions, ...writeActions]) {
      expect(tableActions('sealer', 'ledger'), action).toContain(action);
    }
    expect([...tableActions('sealer', 'control'), ...tableActions('sealer', 'control', true)]).toEqual([]);
    expect([...tableActions('sealer', 'registry'), ...tableActions('sealer', 'registry', true)]).toEqual([]);
    const streamActions = statements.sealer
      .filter((s) => s.Effect === 'Allow' && s.Resource.some((r) => r.includes('StreamArn')))
      .flatMap((s) => s.Action);
    expect(streamActions).toEqual(
      expect.arrayContaining(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator']),
    );
  });

  it('lets only the admin function write the signing keys (POST /admin/signing-keys/rotate)', () => {
    const writers = (Object.keys(statements) as FunctionName[]).filter((name) =>
      statements[name].some(
        (s) =>
          s.Effect === 'Allow' &&
          s.Action.some((a) => a === 'secretsmanager:PutSecretValue' || a === 'secretsmanager:*'),
      ),
    );
    expect(writers).toEqual(['admin']);
    const put = statements.admin.filter((s) => s.Action.includes('secretsmanager:PutSecretValue'));
    expect(put.flatMap((s) => s.Resource)).toEqual([expect.stringContaining(signingKeysLogicalId)]);
    expect(statements.admin.flatMap((s) => s.Action)).not.toContain('secretsmanager:UpdateSecret');
  });

  it("grants secret and key access on the function roles only, so the data stack's key policy stays put", () => {
    // A grant through the key policy would make the data stack depend on the api stack, and the api stack
    // already depends on the data stack: a cycle, and a data stack redeploy for every role change.
    expect(gateway.data.dependencies).toEqual([]);
    expect(gateway.api.dependencies).toEqual([gateway.data]);
    const dataTemplate = JSON.stringify(Template.fromStack(gateway.data).toJSON());
    expect(dataTemplate).not.toContain('FunctionRole');
    expect(dataTemplate).not.toContain(gateway.api.stackName);
  });

  it('keeps the audit function from writing the ledger and the token function away from the registry', () => {
    expect(tableActions('audit', 'ledger')).not.toContain('dynamodb:PutItem');
    expect(tableActions('audit', 'ledger')).not.toContain('dynamodb:UpdateItem');
    expect([...tableActions('token', 'registry')]).toEqual([]);
  });
});

/** Actions and resources as arrays, each resource as its JSON text (tokens included) for substring checks. */
function normalise(raw: unknown): Statement {
  const s = raw as { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
  const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
  return {
    Effect: s.Effect,
    Action: Array.isArray(s.Action) ? s.Action : [s.Action],
    Resource: resources.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))),
    Condition: s.Condition,
  };
}
