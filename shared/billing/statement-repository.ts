import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../audit/model';
import { counterNames } from '../ledger/counters';
import { periodsBetween } from '../ledger/period';
import { type CounterOwner, queryPeriods, readCounters, readPeriodCounters } from '../ledger/usage';
import { batchGetAll } from '../storage/batch';
import { auditIndexKeys, billingKeys, ledgerKeys } from '../storage/keys/ledger';
import { queryAll } from '../storage/paginate';
import { queryShards } from '../storage/sharded-query';
import { type TransactItem, transactOrConflict } from '../storage/transact';
import type { SignedStatement } from './signed';
import { periodBounds } from './statement';

/** A refund of one billed call: appended, never an edit; priced as an adjustment line. */
export interface Reversal {
  agencyId: string;
  period: string;
  /** The request id of the refunded call (its ledger entry and audit record). */
  requestId: string;
  operation: string;
  plan: string;
  planVersion: number;
  reason: string;
  reversedAt: string;
  reversedBy: string;
}

/** One ledger entry behind a statement line. */
export interface StatementEntry {
  requestId: string;
  at: string;
  operation: string;
  purpose: string | undefined;
  status: number | undefined;
  billable: boolean;
  plan: string;
  planVersion: number;
  idempotencyKey: string | undefined;
}

/** The marker of a closed period: written once, with the close's audit record. */
export interface CloseMarker {
  period: string;
  closedAt: string;
  /** The signing key the period's statements were signed with. */
  kid: string;
  /** How many statements the close stored. */
  statements: number;
}

/**
 * Billing's reads and writes in the ledger table: stored statements, close markers and reversals, and the
 * ledger counters and entries a statement is priced from and explained by.
 */
export class StatementRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The stored (closed) statement of an agency's period, read consistently. */
  async get(agencyId: string, period: string): Promise<SignedStatement | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: billingKeys.statement(agencyId, period),
        ConsistentRead: true,
      }),
    );
    return Item?.signed as SignedStatement | undefined;
  }

  /** The agency's stored statements of the periods from..to (inclusive): one consistent Query. */
  async range(agencyId: string, from: string, to: string): Promise<SignedStatement[]> {
    const items = await queryPeriods(
      this.client,
      this.tableName,
      (p) => billingKeys.statement(agencyId, p),
      from,
      to,
    );
    return items.map((i) => i.signed as SignedStatement);
  }

  /** Every statement stored for a period (the period's index). */
  async ofPeriod(period: string): Promise<SignedStatement[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': billingKeys.statementsOf(period) },
    });
    return items.map((i) => i.signed as SignedStatement);
  }

  /**
   * Stores an agency's signed statement unless one is stored already, and answers the one that stands: when
   * another close stored this agency's statement first, that one.
   */
  async putOnce(agencyId: string, period: string, signed: SignedStatement): Promise<SignedStatement> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...billingKeys.statement(agencyId, period),
            gsi1pk: billingKeys.statementsOf(period),
            gsi1sk: agencyId,
            signed,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return signed;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const raced = await this.get(agencyId, period);
      if (!raced) throw error;
      return raced;
    }
  }

  /** The period's close marker, read consistently; undefined while the period is open. */
  async getClosed(period: string): Promise<CloseMarker | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: billingKeys.close(period),
        ConsistentRead: true,
      }),
    );
    return Item as CloseMarker | undefined;
  }

  /**
   * Writes the period's close marker unless one is written, with `also` (the close's audit record) in the same
   * transaction. A cancelled transaction is thrown as it is: the caller tells a concurrent close from a fault.
   */
  async putClosed(marker: CloseMarker, also: TransactItem[]): Promise<void> {
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: { ...billingKeys.close(marker.period), ...marker },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...also,
        ],
      }),
    );
  }

  /**
   * Appends a reversal and bumps its period's reversed counter, with `also` (the refund's audit record) in one
   * transaction. A call refunded already fails the reversal's condition: a ConflictError.
   */
  async appendReversal(reversal: Reversal, entryKey: string, also: TransactItem[]): Promise<void> {
    const { agencyId, period } = reversal;
    await transactOrConflict(
      this.client,
      [
        {
          Put: {
            TableName: this.tableName,
            Item: { ...billingKeys.reversal(agencyId, period, entryKey), reversal },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: ledgerKeys.adjustments(agencyId, period),
            UpdateExpression: 'SET agencyId = :agency, #period = :period ADD #reversed :one',
            ExpressionAttributeNames: {
              '#reversed': counterNames.reversed(reversal.operation, reversal.plan, reversal.planVersion),
              '#period': 'period',
            },
            ExpressionAttributeValues: { ':one': 1, ':agency': agencyId, ':period': period },
          },
        },
        ...also,
      ],
      `Call ${reversal.requestId} was already refunded.`,
    );
  }

  /** The reversal of one ledger entry, read consistently. */
  async reversal(agencyId: string, period: string, entryKey: string): Promise<Reversal | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: billingKeys.reversal(agencyId, period, entryKey),
        ConsistentRead: true,
      }),
    );
    return Item?.reversal as Reversal | undefined;
  }

  /** The refunds of an agency's period, each naming the call it refunds. */
  async reversals(agencyId: string, period: string): Promise<Reversal[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': billingKeys.reversal(agencyId, period, '').pk },
        ConsistentRead: true,
      }),
    );
    return Items.map((i) => i.reversal as Reversal);
  }

  /** Counters for pricing: the lanes (and refunds) only, unless `days` asks for the daily breakdown too. */
  counters(agency: CounterOwner, from: string, to: string, days = false) {
    return readCounters(this.client, this.tableName, agency, from, to, { days });
  }

  /** The agency's pricing counters of the given periods (oldest first). */
  countersOf(agency: CounterOwner, periods: string[]) {
    return readPeriodCounters(this.client, this.tableName, agency, periods);
  }

  /** The periods from..to that have a refund (their refund counter items: one batch, whatever the lanes). */
  async refundedPeriods(agencyId: string, from: string, to: string): Promise<Set<string>> {
    const periods = periodsBetween(from, to);
    const items = await batchGetAll(
      this.client,
      this.tableName,
      periods.map((p) => ledgerKeys.adjustments(agencyId, p)),
      true,
    );
    return new Set(
      items
        .filter((item) => Object.keys(item).some((name) => name.startsWith('reversed#')))
        .map((item) => item.period as string),
    );
  }

  /** The audit event of one ledger entry (keyed by its idempotency key, else its request id), read consistently. */
  async entryEvent(agencyId: string, period: string, entryKey: string): Promise<AuditEvent | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: ledgerKeys.entry(agencyId, period, entryKey),
        ConsistentRead: true,
      }),
    );
    return Item?.event as AuditEvent | undefined;
  }

  /** The ledger record of the agency's last counted call of the period: one short query per index shard. */
  async lastEntry(agencyId: string, period: string): Promise<AuditEvent['ledger']> {
    const { items } = await queryShards(this.client, {
      ...this.entriesOf(agencyId, period),
      forward: false,
      limit: 1,
    });
    return (items[0]?.event as AuditEvent | undefined)?.ledger;
  }

  /** The ledger entries behind a statement's lines, oldest first: a page of `limit` after the sort key `after`. */
  async entries(
    agencyId: string,
    period: string,
    page: { operation?: string | undefined; after: string | undefined; limit: number },
  ): Promise<{ items: StatementEntry[]; resumeAfter?: string | undefined }> {
    const { items, resumeAfter } = await queryShards(this.client, {
      ...this.entriesOf(agencyId, period, page.operation),
      after: page.after,
      forward: true,
      limit: page.limit,
    });
    const entries: StatementEntry[] = [];
    for (const item of items) {
      const event = item.event as AuditEvent;
      if (!event.ledger) continue;
      entries.push({
        requestId: event.id,
        at: event.at,
        operation: event.action,
        purpose: event.purpose,
        status: event.status,
        billable: event.ledger.billable,
        plan: event.ledger.plan,
        planVersion: event.ledger.planVersion,
        idempotencyKey: event.ledger.idempotencyKey,
      });
    }
    return { items: entries, resumeAfter };
  }

  /** The agency's ledger entries of a period in the (sharded) agency index: served calls that were counted. */
  private entriesOf(agencyId: string, period: string, operation?: string) {
    const { start, end } = periodBounds(period);
    const names: Record<string, string> = { '#event': 'event', '#ledger': 'ledger', '#period': 'period' };
    const values: Record<string, unknown> = { ':period': period };
    let expression = '#event.#ledger.#period = :period';
    if (operation) {
      names['#action'] = 'action';
      values[':operation'] = operation;
      expression += ' AND #event.#action = :operation';
    }
    return {
      tableName: this.tableName,
      indexName: 'gsi1',
      pkAttribute: 'gsi1pk',
      skAttribute: 'gsi1sk',
      partitionKeys: auditIndexKeys.agencyShards(agencyId),
      from: start.toISOString(),
      to: `${new Date(end.getTime() - 1).toISOString()}#\uffff`,
      filter: { expression, names, values },
    };
  }
}
