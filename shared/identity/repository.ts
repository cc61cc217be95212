import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, ServiceUnavailableError } from '../errors';
import { InvalidCursorError } from '../storage/cursor';
import type { Agency, Credential, Entitlement } from './model';

/** One item of a TransactWriteItems call: admin writes carry their audit record in the same transaction. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Runs a transaction; a failed condition (someone else changed or created the item) becomes a 409. */
export async function transactOrConflict(
  client: DynamoDBDocumentClient,
  items: TransactItem[],
  conflict: string,
): Promise<void> {
  try {
    await client.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    if (
      error instanceof TransactionCanceledException &&
      error.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')
    ) {
      throw new ConflictError(conflict);
    }
    throw error;
  }
}

/** Key layout of the control table. */
export const controlKeys = {
  agency: (id: string) => ({ pk: `AGENCY#${id}`, sk: 'AGENCY' }),
  agencyCode: (code: string) => ({ pk: `AGENCYCODE#${code}`, sk: 'AGENCYCODE' }),
  credential: (clientId: string) => ({ pk: `CLIENT#${clientId}`, sk: 'CLIENT' }),
  entitlements: (agencyId: string) => ({ pk: `AGENCY#${agencyId}`, sk: 'ENTITLEMENTS' }),
  assertionId: (clientId: string, jti: string) => ({ pk: `JTI#${clientId}#${jti}`, sk: 'JTI' }),
};

const strip = <T extends Record<string, unknown>>(item: T | undefined) => {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g1s, ...rest } = item;
  return rest;
};

export interface Page<T> {
  items: T[];
  cursor?: string | undefined;
}

const keyAttributes = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk']);

/**
 * A cursor that is a DynamoDB start key: only key attributes, as strings DynamoDB accepts, so a forged
 * cursor is a 400 and never a store error.
 */
export function decodeStartKey(cursor: string | undefined): Record<string, unknown> | undefined {
  const value = decodeCursor(cursor);
  if (
    value &&
    !Object.entries(value).every(
      ([k, v]) => keyAttributes.has(k) && typeof v === 'string' && v.length > 0 && v.length <= 1024,
    )
  ) {
    throw new InvalidCursorError();
  }
  return value;
}

export const encodeCursor = (key: Record<string, unknown> | undefined) =>
  key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;

export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through: an unreadable cursor is the caller's error
  }
  throw new InvalidCursorError();
}

export { InvalidCursorError };

/** Agencies and credentials in the control table. */
export class ControlRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Creates the agency; its code is unique (enforced by a lock item in the same transaction). */
  async createAgency(agency: Agency, also: TransactItem[] = []): Promise<void> {
    await this.transact(
      [
        {
          Put: {
            TableName: this.tableName,
            Item: { ...controlKeys.agencyCode(agency.code), agencyId: agency.id },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: { ...controlKeys.agency(agency.id), gsi1pk: 'AGENCIES', gsi1sk: agency.code, ...agency },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...also,
      ],
      `An agency with code ${agency.code} already exists.`,
    );
  }

  async getAgency(id: string): Promise<Agency | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: controlKeys.agency(id), ConsistentRead: true }),
    );
    return strip(Item) as Agency | undefined;
  }

  async listAgencies(limit: number, cursor?: string): Promise<Page<Agency>> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': 'AGENCIES' },
        Limit: limit,
        ExclusiveStartKey: decodeStartKey(cursor),
      }),
    );
    return {
      items: (result.Items ?? []).map((item) => strip(item) as unknown as Agency),
      cursor: encodeCursor(result.LastEvaluatedKey),
    };
  }

  /** Every agency, page by page (admin and finance views; a few hundred agencies at national scale). */
  async allAgencies(): Promise<Agency[]> {
    const out: Agency[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.listAgencies(100, cursor);
      out.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    return out;
  }

  /** Replaces the agency if it is still at `expectedUpdatedAt` (optimistic concurrency for admin edits). */
  async saveAgency(agency: Agency, expectedUpdatedAt: string, also: TransactItem[] = []): Promise<void> {
    await this.transact(
      [
        {
          Put: {
            TableName: this.tableName,
            Item: { ...controlKeys.agency(agency.id), gsi1pk: 'AGENCIES', gsi1sk: agency.code, ...agency },
            ConditionExpression: 'updatedAt = :expected',
            ExpressionAttributeValues: { ':expected': expectedUpdatedAt },
          },
        },
        ...also,
      ],
      `Agency ${agency.id} was changed by someone else; read it again and retry.`,
    );
  }

  /** Replaces the agency's entitlements and bumps its policy version, so older tokens stop working. */
  async saveEntitlements(
    agency: Agency,
    expectedUpdatedAt: string,
    entitlements: Entitlement[],
    also: TransactItem[] = [],
  ): Promise<void> {
    await this.saveAgency(agency, expectedUpdatedAt, [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...controlKeys.entitlements(agency.id), entitlements, updatedAt: agency.updatedAt },
        },
      },
      ...also,
    ]);
  }

  /** The agency and its entitlements: one Query over the agency's partition. */
  async getAgencyWithEntitlements(id: string): Promise<{ agency?: Agency; entitlements: Entitlement[] }> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': controlKeys.agency(id).pk },
        ConsistentRead: true,
      }),
    );
    const agency = Items.find((i) => i.sk === 'AGENCY');
    const entitlements = (Items.find((i) => i.sk === 'ENTITLEMENTS')?.entitlements ?? []) as Entitlement[];
    return { ...(agency ? { agency: strip(agency) as unknown as Agency } : {}), entitlements };
  }

  private transact(items: TransactItem[], conflict: string): Promise<void> {
    return transactOrConflict(this.client, items, conflict);
  }

  /** Creates (no expected version) or replaces (at the expected version) a credential. */
  async putCredential(
    credential: Credential,
    expectedUpdatedAt?: string,
    also: TransactItem[] = [],
  ): Promise<void> {
    await this.transact(
      [this.credentialPut(credential, expectedUpdatedAt), ...also],
      `Credential ${credential.clientId} was changed by someone else; read it again and retry.`,
    );
  }

  /** The Put of a credential with its agency index keys: new, or replacing the version `expectedUpdatedAt`. */
  private credentialPut(credential: Credential, expectedUpdatedAt?: string): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...controlKeys.credential(credential.clientId),
          gsi1pk: `AGENCY#${credential.agencyId}#CLIENTS`,
          gsi1sk: `${credential.createdAt}#${credential.clientId}`,
          ...credential,
        },
        ...(expectedUpdatedAt
          ? {
              ConditionExpression: 'updatedAt = :expected',
              ExpressionAttributeValues: { ':expected': expectedUpdatedAt },
            }
          : { ConditionExpression: 'attribute_not_exists(pk)' }),
      },
    };
  }

  /**
   * Replaces a credential (at the expected version) only if `witnessClientId` is, in the same transaction, still
   * an active credential holding `admin`: how the last admin credential is never revoked, even by two admins at
   * once. Transactions are serializable, so of two revocations each naming the other's target as its witness,
   * the second finds its witness revoked. False when the witness no longer qualifies (look for another).
   */
  async putCredentialWhileAdminRemains(
    credential: Credential,
    expectedUpdatedAt: string,
    witnessClientId: string,
    also: TransactItem[] = [],
  ): Promise<boolean> {
    const items: TransactItem[] = [
      this.credentialPut(credential, expectedUpdatedAt),
      {
        ConditionCheck: {
          TableName: this.tableName,
          Key: controlKeys.credential(witnessClientId),
          ConditionExpression: '#status = :active AND contains(scopes, :admin)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':active': 'active', ':admin': 'admin' },
        },
      },
      ...also,
    ];
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = (error.CancellationReasons ?? []).map((r) => r.Code === 'ConditionalCheckFailed');
      if (reasons[1] && !reasons[0]) return false;
      if (reasons.some(Boolean)) {
        throw new ConflictError(
          `Credential ${credential.clientId} was changed by someone else; read it again and retry.`,
        );
      }
      throw error;
    }
  }

  async getCredential(clientId: string): Promise<Credential | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: controlKeys.credential(clientId),
        ConsistentRead: true,
      }),
    );
    return strip(Item) as Credential | undefined;
  }

  async listCredentials(agencyId: string): Promise<Credential[]> {
    const items: Credential[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': `AGENCY#${agencyId}#CLIENTS` },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) items.push(strip(item) as unknown as Credential);
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Reads a credential and its agency in one round trip (token endpoint, non-registry routes). */
  async getCredentialWithAgency(
    clientId: string,
    agencyId?: string,
  ): Promise<{ credential?: Credential; agency?: Agency }> {
    if (!agencyId) {
      const credential = await this.getCredential(clientId);
      if (!credential) return {};
      return { credential, agency: await this.getAgency(credential.agencyId) };
    }
    let pending: Record<string, unknown>[] = [controlKeys.credential(clientId), controlKeys.agency(agencyId)];
    const items: Record<string, unknown>[] = [];
    for (let attempt = 0; pending.length; attempt++) {
      // Keys left unprocessed (throttling) are not "no such credential": that would call a live one revoked.
      if (attempt === 3)
        throw new ServiceUnavailableError('The gateway could not check this token; retry shortly.', 1);
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      const result = await this.client.send(
        new BatchGetCommand({
          RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
        }),
      );
      items.push(...(result.Responses?.[this.tableName] ?? []));
      pending = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    const credential = items.find((i) => i.sk === 'CLIENT');
    const agency = items.find((i) => i.sk === 'AGENCY');
    return {
      ...(credential ? { credential: strip(credential) as unknown as Credential } : {}),
      ...(agency ? { agency: strip(agency) as unknown as Agency } : {}),
    };
  }

  /** Records a client assertion's jti; false if it was seen before (a replay). */
  async rememberAssertionId(clientId: string, jti: string, expiresAtEpochSeconds: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...controlKeys.assertionId(clientId, jti), expiresAt: expiresAtEpochSeconds },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
