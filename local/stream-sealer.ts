import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditLog } from '../shared/audit/log';
import { auditRecordsOf, type StreamChange } from '../shared/audit/stream';
import { logKeys } from '../shared/storage/keys/ledger';

/**
 * The local host's audit sealer: reads the ledger table's DynamoDB stream on DynamoDB Local and appends the
 * audit records it finds to the log, the same records and the same AuditLog.append as the Lambda that the
 * stream's event source mapping invokes in AWS. Driven by a timer locally (and by tests, which drain it).
 */
export class StreamSealer {
  private readonly streams: DynamoDBStreamsClient;
  private running: Promise<{ appended: number; treeSize: number }> | undefined;
  private positions: Record<string, string> | undefined;

  constructor(
    private readonly store: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly log: AuditLog,
  ) {
    const config = (store as unknown as { config: DynamoDBClient['config'] }).config;
    this.streams = new DynamoDBStreamsClient({
      region: config.region,
      endpoint: config.endpoint,
      credentials: config.credentials,
      maxAttempts: 3,
    });
  }

  /** Appends everything the stream holds that the log does not yet; one drain at a time. */
  drain(): Promise<{ appended: number; treeSize: number }> {
    this.running ??= this.drainOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async drainOnce(): Promise<{ appended: number; treeSize: number }> {
    const { Table } = await this.store.send(new DescribeTableCommand({ TableName: this.tableName }));
    const streamArn = Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`Table ${this.tableName} has no stream: the audit log cannot be sealed.`);
    this.positions ??= await this.storedPositions();
    let appended = 0;
    let treeSize: number | undefined;
    for (const shard of await this.shards(streamArn)) {
      const shardId = shard.ShardId!;
      const after = this.positions[shardId];
      let iterator = (
        await this.streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shardId,
            ...(after
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
              : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        )
      ).ShardIterator;
      // A page can be empty before the shard's end (as on the service): stop after two empty pages in a row,
      // or when a closed shard ends its iterator.
      for (let empty = 0; iterator && empty < 2; ) {
        const page = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        const changes = (page.Records ?? []) as StreamChange[];
        empty = changes.length ? 0 : empty + 1;
        const records = auditRecordsOf(changes);
        // Only audit records lead to writes: the log's own writes are on the stream too, and must not feed it.
        if (records.length) {
          const result = await this.log.append(records);
          appended += result.appended;
          treeSize = result.treeSize;
        }
        const last = page.Records?.at(-1)?.dynamodb?.SequenceNumber;
        if (last) this.positions[shardId] = last;
        if (last && records.length) await this.savePositions();
        iterator = page.NextShardIterator;
      }
    }
    if (treeSize === undefined) {
      treeSize = (await this.log.checkpoint())?.treeSize ?? (await this.log.append([])).treeSize;
    }
    return { appended, treeSize };
  }

  /** Where an earlier run stopped (after a restart); records read again are appended once anyway. */
  private async storedPositions(): Promise<Record<string, string>> {
    const { Item } = await this.store.send(
      new GetCommand({ TableName: this.tableName, Key: logKeys.feed, ConsistentRead: true }),
    );
    return { ...((Item?.positions as Record<string, string> | undefined) ?? {}) };
  }

  private async savePositions(): Promise<void> {
    await this.store.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: logKeys.feed,
        UpdateExpression: 'SET positions = :positions',
        ExpressionAttributeValues: { ':positions': this.positions },
      }),
    );
  }

  private async shards(streamArn: string): Promise<Shard[]> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return shards;
  }

  destroy(): void {
    this.streams.destroy();
  }
}
