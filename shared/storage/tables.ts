/**
 * The gateway's three tables, described once. The local host creates them from this description and the
 * CDK data stack declares the same keys, so the two hosts cannot drift apart.
 *
 * - control:  agencies, credentials, entitlements, plans (admin-owned configuration)
 * - registry: the hosted copy of the population and business registers, and its search index
 * - ledger:   one entry per served call, the period counters, and the audit trail
 */
export type TableKey = 'control' | 'registry' | 'ledger';

export interface IndexDefinition {
  name: string;
  partitionKey: string;
  sortKey: string;
}

export interface TableDefinition {
  key: TableKey;
  partitionKey: string;
  sortKey: string;
  indexes: IndexDefinition[];
  /** Attribute that DynamoDB's TTL expires items by (replay-protection nonces, rate windows). */
  ttlAttribute?: string;
  /** A DynamoDB stream of the table's changes (the audit sealer reads the ledger's new audit records). */
  stream?: 'NEW_IMAGE';
}

export const tableDefinitions: Record<TableKey, TableDefinition> = {
  control: {
    key: 'control',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [{ name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
    ttlAttribute: 'expiresAt',
  },
  registry: {
    key: 'registry',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [],
  },
  ledger: {
    key: 'ledger',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [
      { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
      { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    ],
    ttlAttribute: 'expiresAt',
    stream: 'NEW_IMAGE',
  },
};

export interface TableNames {
  control: string;
  registry: string;
  ledger: string;
}
