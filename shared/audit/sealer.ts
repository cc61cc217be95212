import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { sha256Hex } from './canonical';
import { type AuditEvent, auditEventHash } from './model';
import { AUDIT_SHARDS } from './trail';

export const GENESIS = '0'.repeat(64);
const RECORDS_PER_TRANSACTION = 40;

const chainKeys = {
  head: (shard: number) => ({ pk: `CHAIN#${shard}`, sk: 'HEAD' }),
  link: (shard: number, seq: number) => ({
    pk: `CHAIN#${shard}`,
    sk: `SEQ#${String(seq).padStart(12, '0')}`,
  }),
};

export const linkHash = (previous: string, recordHash: string) => sha256Hex(`${previous}:${recordHash}`);

export interface BrokenLink {
  shard: number;
  seq: number;
  id?: string | undefined;
  reason: string;
}

export interface Verification {
  ok: boolean;
  checked: number;
  pending: number;
  shards: number;
  firstBroken?: BrokenLink;
}

/**
 * Seals audit records into hash chains. Records are written unchained, in the same transaction as the call
 * they record (so appends never contend on a chain head); the sealer then links each shard's records in
 * order: chain[n] = SHA-256(chain[n-1] ":" recordHash[n]). A link item per record and a head per shard are
 * written in the same transaction as the record's seal, so deleting, editing or reordering anything sealed
 * breaks the chain. One sealer runs at a time (locally a timer; in AWS a scheduled function); the head's
 * conditional update makes a second one fail harmlessly rather than fork the chain.
 */
export class AuditSealer {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async head(shard: number): Promise<{ seq: number; hash: string }> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: chainKeys.head(shard), ConsistentRead: true }),
    );
    return { seq: Number(Item?.seq ?? 0), hash: (Item?.hash as string | undefined) ?? GENESIS };
  }

  /** Seals up to `max` pending records of one shard; returns how many it sealed. */
  async sealShard(shard: number, max = 400): Promise<number> {
    let sealed = 0;
    while (sealed < max) {
      const { Items = [] } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi3',
          KeyConditionExpression: 'gsi3pk = :pk',
          ExpressionAttributeValues: { ':pk': `AUDIT#UNSEALED#${shard}` },
          Limit: RECORDS_PER_TRANSACTION,
        }),
      );
      if (!Items.length) break;
      let { seq, hash } = await this.head(shard);
      const previousSeq = seq;
      const sealedAt = this.now().toISOString();
      const transact: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> =
        [];
      for (const item of Items) {
        seq += 1;
        hash = linkHash(hash, item.hash as string);
        transact.push(
          {
            Update: {
              TableName: this.tableName,
              Key: { pk: item.pk, sk: item.sk },
              UpdateExpression:
                'SET seq = :seq, #shard = :shard, chainHash = :chain, sealedAt = :at REMOVE gsi3pk, gsi3sk',
              ExpressionAttributeNames: { '#shard': 'shard' },
              ConditionExpression: 'attribute_exists(gsi3pk)',
              ExpressionAttributeValues: { ':seq': seq, ':shard': shard, ':chain': hash, ':at': sealedAt },
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: {
                ...chainKeys.link(shard, seq),
                recordPk: item.pk,
                recordSk: item.sk,
                recordHash: item.hash,
                chainHash: hash,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        );
      }
      transact.push({
        Put: {
          TableName: this.tableName,
          Item: { ...chainKeys.head(shard), seq, hash, updatedAt: sealedAt },
          ...(previousSeq === 0
            ? { ConditionExpression: 'attribute_not_exists(pk) OR seq = :previous' }
            : { ConditionExpression: 'seq = :previous' }),
          ExpressionAttributeValues: { ':previous': previousSeq },
        },
      });
      await this.client.send(new TransactWriteCommand({ TransactItems: transact }));
      sealed += Items.length;
    }
    return sealed;
  }

  async sealAll(): Promise<number> {
    let total = 0;
    for (let shard = 0; shard < AUDIT_SHARDS; shard++) total += await this.sealShard(shard);
    return total;
  }

  /** Recomputes every shard's chain from its records; names the first broken link. */
  async verify(): Promise<Verification> {
    let checked = 0;
    for (let shard = 0; shard < AUDIT_SHARDS; shard++) {
      const broken = await this.verifyShard(shard, () => {
        checked += 1;
      });
      if (broken)
        return {
          ok: false,
          checked,
          pending: await this.pending(),
          shards: AUDIT_SHARDS,
          firstBroken: broken,
        };
    }
    return { ok: true, checked, pending: await this.pending(), shards: AUDIT_SHARDS };
  }

  private async verifyShard(shard: number, count: () => void): Promise<BrokenLink | undefined> {
    // The head first: links a concurrent sealer adds after it are left for the next verification.
    const head = await this.head(shard);
    let previous = GENESIS;
    let expectedSeq = 1;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :seq)',
          ExpressionAttributeValues: { ':pk': `CHAIN#${shard}`, ':seq': 'SEQ#' },
          ExclusiveStartKey: start,
          ConsistentRead: true,
          Limit: 100,
        }),
      );
      const links = page.Items ?? [];
      const records = await this.records(
        links.map((l) => ({ pk: l.recordPk as string, sk: l.recordSk as string })),
      );
      for (const link of links) {
        const seq = Number((link.sk as string).slice(4));
        if (seq > head.seq) break;
        const record = records.get(`${link.recordPk}|${link.recordSk}`);
        const id = (record?.event as AuditEvent | undefined)?.id;
        if (seq !== expectedSeq)
          return { shard, seq: expectedSeq, reason: 'a link is missing from the chain' };
        if (!record) return { shard, seq, reason: 'the sealed record is missing' };
        const recomputed = auditEventHash(record.event as AuditEvent);
        if (recomputed !== link.recordHash || recomputed !== record.hash) {
          return { shard, seq, id, reason: 'the record was changed after it was sealed' };
        }
        const chain = linkHash(previous, recomputed);
        if (chain !== link.chainHash || chain !== record.chainHash) {
          return { shard, seq, id, reason: 'the chain hash does not follow from the previous link' };
        }
        previous = chain;
        expectedSeq += 1;
        count();
      }
      start = expectedSeq > head.seq ? undefined : page.LastEvaluatedKey;
    } while (start);
    if (head.seq !== expectedSeq - 1 || head.hash !== previous) {
      return {
        shard,
        seq: expectedSeq,
        reason: 'the chain head does not match its last link (links removed?)',
      };
    }
    return undefined;
  }

  private async records(keys: { pk: string; sk: string }[]): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < keys.length; i += 100) {
      let pending:
        | Record<string, { Keys: { pk: string; sk: string }[]; ConsistentRead: boolean }>
        | undefined = {
        [this.tableName]: { Keys: keys.slice(i, i + 100), ConsistentRead: true },
      };
      while (pending && Object.keys(pending).length) {
        const result = await this.client.send(new BatchGetCommand({ RequestItems: pending }));
        for (const item of result.Responses?.[this.tableName] ?? []) out.set(`${item.pk}|${item.sk}`, item);
        pending = result.UnprocessedKeys as typeof pending;
      }
    }
    return out;
  }

  private async pending(): Promise<number> {
    let total = 0;
    for (let shard = 0; shard < AUDIT_SHARDS; shard++) {
      const { Count = 0 } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi3',
          KeyConditionExpression: 'gsi3pk = :pk',
          ExpressionAttributeValues: { ':pk': `AUDIT#UNSEALED#${shard}` },
          Select: 'COUNT',
        }),
      );
      total += Count;
    }
    return total;
  }
}
