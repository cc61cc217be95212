import { type CfnResource, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { type TableKey, tableDefinitions } from '../../shared/storage/tables';
import type { GatewayTable } from '../constructs/gateway-function';

export interface DataStackProps extends StackProps {
  /** Deployment stage (`prod`, `staging`, ...); part of every physical name. */
  readonly stage: string;
}

/** The logical id each table keeps for life; changing one would make CloudFormation create a new, empty table. */
export const tableLogicalIds: Record<TableKey, string> = {
  control: 'ControlTable',
  registry: 'RegistryTable',
  ledger: 'LedgerTable',
};
export const dataKeyLogicalId = 'DataKey';
export const signingKeysLogicalId = 'SigningKeysSecret';

/**
 * Everything stateful: the three tables, the key that encrypts them and the signing-key secret.
 * Kept apart from the API stack so functions and routes can be redeployed, renamed or torn down
 * without ever touching data. Every resource is retained and its logical id pinned.
 */
export class DataStack extends Stack {
  /** Customer-managed key for the tables and the signing-key secret. */
  readonly dataKey: Key;
  readonly tables: Record<TableKey, GatewayTable>;
  /**
   * The gateway's token-signing keys as JSON. Created as `{"keys":[],"placeholder":"..."}`: the application
   * generates ES256 key pairs and writes them here (new `kid` first, previous kept for the JWKS overlap),
   * so no key material ever passes through CloudFormation or the repository.
   */
  readonly signingKeys: Secret;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const prefix = `ndg-${props.stage}`;

    this.dataKey = new Key(this, dataKeyLogicalId, {
      alias: `alias/${prefix}-data`,
      description: `National Data Gateway (${props.stage}): encrypts the control, registry and ledger tables and the signing keys`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      // Deleting the key would make every retained table and backup unreadable.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    pinLogicalId(this.dataKey, dataKeyLogicalId);

    const tables = {} as Record<TableKey, GatewayTable>;
    for (const key of Object.keys(tableDefinitions) as TableKey[]) {
      tables[key] = { key, table: this.createTable(key, `${prefix}-${key}`) };
    }
    this.tables = tables;

    this.signingKeys = new Secret(this, signingKeysLogicalId, {
      secretName: `${prefix}/signing-keys`,
      description:
        'ES256 token-signing keys (JWK set with private parts); written by the gateway, never by hand',
      encryptionKey: this.dataKey,
      // Generated once at creation and never written by CloudFormation again, so a stack update cannot
      // overwrite keys the application has stored. `placeholder` is random filler the application ignores.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ keys: [] }),
        generateStringKey: 'placeholder',
        excludePunctuation: true,
        passwordLength: 16,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    pinLogicalId(this.signingKeys, signingKeysLogicalId);
    Validations.of(this.signingKeys).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The signing keys are rotated by the gateway itself, which adds a new kid and keeps the previous public key ' +
        'in the JWKS until every token it signed has expired. A Secrets Manager rotation Lambda replacing the value ' +
        'would invalidate tokens in flight and could not keep that overlap.',
    });
  }

  private createTable(key: TableKey, tableName: string): Table {
    const definition = tableDefinitions[key];
    const id = tableLogicalIds[key];
    const table = new Table(this, id, {
      // A fixed name also makes CloudFormation refuse any change that would replace the table.
      tableName,
      partitionKey: { name: definition.partitionKey, type: AttributeType.STRING },
      sortKey: { name: definition.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.dataKey,
      timeToLiveAttribute: definition.ttlAttribute,
      // The ledger's stream feeds the audit sealer (its new audit records, filtered at the event source).
      ...(definition.stream ? { stream: StreamViewType[definition.stream] } : {}),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of definition.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        // The local host creates its indexes with ALL too (shared/storage/provision.ts).
        projectionType: ProjectionType.ALL,
      });
    }
    pinLogicalId(table, id);
    return table;
  }
}

function pinLogicalId(construct: Table | Key | Secret, logicalId: string): void {
  (construct.node.defaultChild as CfnResource).overrideLogicalId(logicalId);
}
