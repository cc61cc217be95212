import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ConflictError, ServiceUnavailableError } from '../errors';
import { decodeCursor, encodeCursor, InvalidCursorError, type Page } from '../storage/cursor';
import { isConditionFailure, isInvalidStartKey } from '../storage/errors';
import { controlKeys } from '../storage/keys/control';
import { queryAll } from '../storage/paginate';
import { UNPROCESSED_RETRY, untilProcessed } from '../storage/retry';
import { namedItems, type TransactItem, transactOrConflict } from '../storage/transact';
import type { Agency, Credential, Entitlement } from './model';

const strip = <T extends Record<string, unknown>>(item: T | undefined) => {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g1s, ...rest } = item;
  return rest;
};

const keyValue = z.string().min(1).max(1024);

/**
 * A cursor of the agency listing is the start key DynamoDB gave: the index's and the table's key attributes, on
 * the listing's own partition. Any other (a forged one) is a 400, never a store error.
 */
const AgencyCursorSchema = z.strictObject({
  pk: keyValue,
  sk: keyValue,
  gsi1pk: z.literal(controlKeys.agencies),
  gsi1sk: keyValue,
});

const agenciesQuery = (tableName: string) => ({
  TableName: tableName,
  IndexName: 'gsi1',
  KeyConditionExpression: 'gsi1pk = :pk',
  ExpressionAttributeValues: { ':pk': controlKeys.agencies },
});

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
            Item: { ...controlKeys.agency(agency.id), ...controlKeys.agencyListing(agency.code), ...agency },
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
    const query = new QueryCommand({
      ...agenciesQuery(this.tableName),
      Limit: limit,
      ExclusiveStartKey: decodeCursor(cursor, AgencyCursorSchema),
    });
    const result = await this.client.send(query).catch((error: unknown) => {
      // The store's own check of the start key, should it refuse one the schema let through.
      throw isInvalidStartKey(error) ? new InvalidCursorError() : error;
    });
    return {
      items: (result.Items ?? []).map((item) => strip(item) as unknown as Agency),
      cursor: result.LastEvaluatedKey ? encodeCursor(result.LastEvaluatedKey) : undefined,
    };
  }

  /** Every agency, 100 a page (admin and finance views; a few hundred agencies at national scale). */
  async allAgencies(): Promise<Agency[]> {
    const items = await queryAll(this.client, { ...agenciesQuery(this.tableName), Limit: 100 });
    return items.map((item) => strip(item) as unknown as Agency);
  }

  /** Replaces the agency if it is still at `expectedUpdatedAt` (optimistic concurrency for admin edits). */
  async saveAgency(agency: Agency, expectedUpdatedAt: string, also: TransactItem[] = []): Promise<void> {
    await this.transact(
      [
        {
          Put: {
            TableName: this.tableName,
            Item: { ...controlKeys.agency(agency.id), ...controlKeys.agencyListing(agency.code), ...agency },
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
    const agency = Items.find((i) => i.sk === controlKeys.agency(id).sk);
    const granted = Items.find((i) => i.sk === controlKeys.entitlements(id).sk);
    const entitlements = (granted?.entitlements ?? []) as Entitlement[];
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
          ...controlKeys.credentialListing(credential),
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
    const { items, reasonsOf } = namedItems(
      {
        credential: this.credentialPut(credential, expectedUpdatedAt),
        witness: {
          ConditionCheck: {
            TableName: this.tableName,
            Key: controlKeys.credential(witnessClientId),
            ConditionExpression: '#status = :active AND contains(scopes, :admin)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':active': 'active', ':admin': 'admin' },
          },
        },
      },
      also,
    );
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = reasonsOf(error.CancellationReasons);
      if (reasons.failed('witness') && !reasons.failed('credential')) return false;
      if (isConditionFailure(error)) {
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
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': controlKeys.credentialsOf(agencyId) },
    });
    return items.map((item) => strip(item) as unknown as Credential);
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
    const items: Record<string, unknown>[] = [];
    await untilProcessed(
      [controlKeys.credential(clientId), controlKeys.agency(agencyId)] as Record<string, unknown>[],
      async (keys) => {
        const result = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        items.push(...(result.Responses?.[this.tableName] ?? []));
        const left = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        return left.length ? left : undefined;
      },
      {
        // A request waits on this check: three sends, 40 and 80 ms apart, then a 503.
        ...UNPROCESSED_RETRY,
        attempts: 3,
        // Keys left unprocessed (throttling) are not "no such credential": that would call a live one revoked.
        exhausted: () =>
          new ServiceUnavailableError('The gateway could not check this token; retry shortly.', 1),
      },
    );
    const credential = items.find((i) => i.sk === controlKeys.credential(clientId).sk);
    const agency = items.find((i) => i.sk === controlKeys.agency(agencyId).sk);
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
