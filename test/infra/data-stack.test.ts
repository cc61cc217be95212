import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { dataKeyLogicalId, signingKeysLogicalId, tableLogicalIds } from '../../infra/stacks/data-stack';
import { type TableKey, tableDefinitions } from '../../shared/storage/tables';
import { buildGateway, resourcesOfType } from './gateway-fixture';

const tableKeys = Object.keys(tableDefinitions) as TableKey[];

describe('data stack', () => {
  let template: Template;

  beforeAll(() => {
    const { gateway } = buildGateway();
    template = Template.fromStack(gateway.data);
  });

  const tableProps = (key: TableKey) => {
    const table = template.toJSON().Resources[tableLogicalIds[key]];
    expect(table, `no resource with the pinned logical id ${tableLogicalIds[key]}`).toBeDefined();
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    return table.Properties;
  };

  it('declares exactly the three tables of tableDefinitions', () => {
    const tables = resourcesOfType(template, 'AWS::DynamoDB::Table');
    expect(Object.keys(tables).sort()).toEqual(tableKeys.map((key) => tableLogicalIds[key]).sort());
  });

  it('pins the logical ids of the tables, the data key and the secret', () => {
    const resources = template.toJSON().Resources;
    expect(Object.keys(resources)).toEqual(
      expect.arrayContaining([
        'ControlTable',
        'RegistryTable',
        'LedgerTable',
        dataKeyLogicalId,
        signingKeysLogicalId,
      ]),
    );
    expect(resources.ControlTable.Type).toBe('AWS::DynamoDB::Table');
    expect(resources[dataKeyLogicalId].Type).toBe('AWS::KMS::Key');
    expect(resources[signingKeysLogicalId].Type).toBe('AWS::SecretsManager::Secret');
  });

  it.each(tableKeys)('keys the %s table and its indexes as tableDefinitions describes', (key) => {
    const definition = tableDefinitions[key];
    const props = tableProps(key);

    expect(props.KeySchema).toEqual([
      { AttributeName: definition.partitionKey, KeyType: 'HASH' },
      { AttributeName: definition.sortKey, KeyType: 'RANGE' },
    ]);
    const expectedIndexes = definition.indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    }));
    expect(props.GlobalSecondaryIndexes ?? []).toEqual(expectedIndexes);
    const keyAttributes = [definition.partitionKey, definition.sortKey];
    for (const index of definition.indexes) keyAttributes.push(index.partitionKey, index.sortKey);
    expect(props.AttributeDefinitions).toEqual(
      keyAttributes.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    );
  });

  it.each(tableKeys)('expires %s items by the TTL attribute tableDefinitions names, if any', (key) => {
    const ttl = tableDefinitions[key].ttlAttribute;
    const props = tableProps(key);
    if (ttl) expect(props.TimeToLiveSpecification).toEqual({ AttributeName: ttl, Enabled: true });
    else expect(props.TimeToLiveSpecification).toBeUndefined();
  });

  it('bills every table on demand with point-in-time recovery', () => {
    for (const key of tableKeys) {
      const props = tableProps(key);
      expect(props.BillingMode).toBe('PAY_PER_REQUEST');
      expect(props.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    }
  });

  it('encrypts every table with the customer-managed data key, which rotates', () => {
    for (const key of tableKeys) {
      expect(tableProps(key).SSESpecification).toEqual({
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [dataKeyLogicalId, 'Arn'] },
      });
    }
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('retains tables, the data key and the secret when deleted or replaced', () => {
    const resources = template.toJSON().Resources;
    for (const id of [...Object.values(tableLogicalIds), dataKeyLogicalId, signingKeysLogicalId]) {
      expect(resources[id].DeletionPolicy, id).toBe('Retain');
      expect(resources[id].UpdateReplacePolicy, id).toBe('Retain');
    }
  });

  it('names the tables by stage and turns on deletion protection', () => {
    for (const key of tableKeys) {
      expect(tableProps(key).TableName).toBe(`ndg-test-${key}`);
      expect(tableProps(key).DeletionProtectionEnabled).toBe(true);
    }
  });

  it('creates the signing-key secret as placeholder JSON under the data key, with no key material', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'ndg-test/signing-keys',
      KmsKeyId: { 'Fn::GetAtt': [dataKeyLogicalId, 'Arn'] },
      GenerateSecretString: Match.objectLike({
        SecretStringTemplate: JSON.stringify({ keys: [] }),
        GenerateStringKey: 'placeholder',
      }),
      SecretString: Match.absent(),
    });
  });
});
