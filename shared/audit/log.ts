import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { JSONWebKeySet } from 'jose';
import type { SigningKeys } from '../auth/keys';
import type { Config } from '../config';
import { dayCounterNames } from '../ledger/counters';
import { batchGetAll } from '../storage/batch';
import { logKeys, usageKeys } from '../storage/keys/ledger';
import { queryAll } from '../storage/paginate';
import { UNPROCESSED_RETRY, untilProcessed } from '../storage/retry';
import type { TableNames } from '../storage/tables';
import { type SignedCheckpoint, signCheckpoint, verifyCheckpoint } from './checkpoint';
import { latestCheckpoint } from './log-state';
import {
  CompactRange,
  type CompactRangeJson,
  consistencyProofPlan,
  emptyRoot,
  evaluatePlan,
  fromHex,
  inclusionProofPlan,
  type NodeRef,
  planNodes,
  toHex,
  verifyConsistency,
} from './merkle';
import { type AuditEvent, recordLeafHash } from './model';
import {
  appendToBundles,
  appendToTiles,
  BUNDLE_SIZE,
  bundleOfLeaf,
  bundleWidth,
  decodeTile,
  encodeTile,
  TILE_HEIGHT,
  TILE_WIDTH,
  type TileSpec,
  tileKey,
  tileLookup,
  tilesForNodes,
  tilesToExtend,
} from './tiles';

/** An audit record as the sealer receives it: its item key and its event (from the stream's new image). */
export interface LogRecord {
  pk: string;
  sk: string;
  event: AuditEvent;
}

/** What the log keeps per leaf in its entry bundles: enough to find the record, check it, and count it. */
interface BundleEntry {
  id: string;
  pk: string;
  sk: string;
  leafHash: string;
  /** For a counted registry call: where its daily usage is aggregated. */
  usage?: { agencyId: string; period: string; day: string; operation: string; purpose: string } | undefined;
}

interface LogState {
  size: number;
  frontier: CompactRangeJson;
  /** Leaves below this index have their leaf items and daily usage written (the work after a commit). */
  appliedThrough: number;
  checkpoint?: SignedCheckpoint | undefined;
}

export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  auditPath: string[];
  checkpoint: SignedCheckpoint;
}

/** What a verification found broken, as a code for programs and in words for people. */
export type BrokenCode = 'changed' | 'missing' | 'signature' | 'root' | 'consistency' | 'tile' | 'entries';

export interface BrokenLeaf {
  leafIndex?: number | undefined;
  id?: string | undefined;
  code: BrokenCode;
  reason: string;
}

export interface LogVerification {
  ok: boolean;
  /** Records checked by this run. */
  checked: number;
  /** The tree size verified from (the last verified checkpoint) and to. */
  from: number;
  treeSize: number;
  /** Leaves checkpointed beyond what this run verified (a later run continues from treeSize). */
  pending: number;
  firstBroken?: BrokenLeaf | undefined;
}

export class SealerBusyError extends Error {
  override name = 'SealerBusyError';
}

export class LogTamperedError extends Error {
  override name = 'LogTamperedError';
}

/** Records appended in one commit (one checkpoint); a larger batch is appended in several. */
const MAX_COMMIT = 2_048;
/** Leaves a routine verification checks at most (bounded work per call; the next call continues). */
export const VERIFY_MAX_LEAVES = 20_480;
const LEASE_MS = 60_000;
const LEASE_NAMES = { '#lease': 'lease', '#owner': 'owner', '#expires': 'expiresAt' };
/** Writes an append sends at once (leaf batches, tiles, usage): its time is then a few round trips. */
const WRITE_CONCURRENCY = 32;

export interface AuditLogOptions {
  /** The log's identity in its checkpoints. */
  origin: string;
  /** Signs checkpoints; a reader (proofs, verification) needs only the JWKS. */
  keys: Pick<SigningKeys, 'signingKey' | 'jwks'>;
  now?: () => Date;
}

/**
 * The audit trail as one RFC 9162 Merkle tree, stored as C2SP tlog-tiles in the ledger table. Appending B
 * records writes B small leaf items (record id -> leaf index), the tiles and entry bundles they change (about
 * B/256 each, plus one partial tile per level), one checkpoint and a few writes of the log's state: never a
 * transaction per record. One appender at a time holds a lease on the state item; everything it writes before
 * its commit is fenced by the lease's number, so a stalled appender that lost its lease cannot overwrite its
 * successor's work, and the commit (a conditional write of the state) is what makes an append real.
 */
export class AuditLog {
  private readonly now: () => Date;
  private readonly owner = randomUUID();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: AuditLogOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  // --- appending -------------------------------------------------------------------------------------

  /**
   * Appends the records not in the log yet (a record already in it, or given twice, is appended once: streams
   * deliver at least once), in the order given. Returns how many were appended and the new size.
   */
  async append(records: LogRecord[]): Promise<{ appended: number; treeSize: number }> {
    const { fence, state: held } = await this.acquire();
    try {
      let state = held;
      if (state.appliedThrough < state.size) await this.finish(state, fence);
      const fresh = await this.unsealed(records);
      if (!state.checkpoint && !fresh.length) state = await this.commit(state, [], fence);
      let appended = 0;
      for (let i = 0; i < fresh.length; i += MAX_COMMIT) {
        const chunk = fresh.slice(i, i + MAX_COMMIT);
        state = await this.commit(state, chunk, fence);
        await this.finish(state, fence);
        appended += chunk.length;
      }
      return { appended, treeSize: state.size };
    } finally {
      await this.release();
    }
  }

  /** Takes the append lease; returns its fence (a number that grows with every lease taken) and the log's state. */
  private async acquire(): Promise<{ fence: number; state: LogState }> {
    const now = this.now().getTime();
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: logKeys.state,
          UpdateExpression: 'SET #lease = :lease, fence = if_not_exists(fence, :zero) + :one',
          ConditionExpression:
            'attribute_not_exists(#lease) OR #lease.#expires < :now OR #lease.#owner = :me',
          ExpressionAttributeNames: LEASE_NAMES,
          ExpressionAttributeValues: {
            ':lease': { owner: this.owner, expiresAt: now + LEASE_MS },
            ':zero': 0,
            ':one': 1,
            ':now': now,
            ':me': this.owner,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { fence: Number(Attributes?.fence), state: stateOf(Attributes) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new SealerBusyError('Another sealer holds the audit log lease; try again shortly.');
      }
      throw error;
    }
  }

  private async release(): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: logKeys.state,
          UpdateExpression: 'REMOVE #lease',
          ConditionExpression: '#lease.#owner = :me',
          ExpressionAttributeNames: { '#lease': 'lease', '#owner': 'owner' },
          ExpressionAttributeValues: { ':me': this.owner },
        }),
      );
    } catch (error) {
      // Someone took the lease after it expired: theirs to release.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async readState(consistent: boolean): Promise<LogState> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: logKeys.state, ConsistentRead: consistent }),
    );
    return stateOf(Item);
  }

  /** The records of a batch whose leaf is not written yet, each once. */
  private async unsealed(records: LogRecord[]): Promise<LogRecord[]> {
    const unique = new Map<string, LogRecord>();
    for (const record of records) if (!unique.has(record.event.id)) unique.set(record.event.id, record);
    const ids = [...unique.keys()];
    const sealed = await batchGetAll(
      this.client,
      this.tableName,
      ids.map((id) => logKeys.leaf(id)),
      true,
    );
    for (const item of sealed) unique.delete(logKeys.recordOf(item));
    return [...unique.values()];
  }

  /**
   * Appends one chunk: writes the tiles and entry bundles it changes (fenced), then commits the new size, right
   * edge and signed checkpoint in one conditional write with the checkpoint's history item.
   */
  private async commit(state: LogState, chunk: LogRecord[], fence: number): Promise<LogState> {
    const oldSize = state.size;
    const newSize = oldSize + chunk.length;
    const entries: BundleEntry[] = chunk.map(({ pk, sk, event }) => ({
      id: event.id,
      pk,
      sk,
      leafHash: recordLeafHash(event),
      usage: usageOf(event),
    }));
    const range = CompactRange.fromJSON(state.frontier);
    const completed = range.append(entries.map((e) => fromHex(e.leafHash)));
    if (chunk.length) {
      const [oldTiles, oldBundles] = await Promise.all([
        this.readTiles(tilesToExtend(oldSize, newSize)),
        this.readBundles(
          bundleWidth(bundleOfLeaf(oldSize).index, oldSize) > 0 ? [bundleOfLeaf(oldSize).index] : [],
        ),
      ]);
      const tiles = appendToTiles(oldSize, newSize, (t) => oldTiles.get(tileKey(t)), completed);
      const bundles = appendToBundles(oldSize, newSize, (b) => oldBundles.get(b.index), entries);
      await runLimited(
        [
          ...tiles.map(
            (tile) => () =>
              this.fencedPut(
                { ...logKeys.tile(tile), width: tile.width, hashes: encodeTile(tile.hashes) },
                fence,
              ),
          ),
          ...bundles.map(
            (bundle) => () =>
              this.fencedPut(
                { ...logKeys.bundle(bundle.index), width: bundle.width, entries: bundle.entries },
                fence,
              ),
          ),
        ],
        WRITE_CONCURRENCY,
      );
    }
    const checkpoint = await signCheckpoint(
      {
        origin: this.options.origin,
        treeSize: newSize,
        rootHash: toHex(range.root()),
        timestamp: this.now().toISOString(),
      },
      await this.options.keys.signingKey(),
    );
    const frontier = range.toJSON();
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: logKeys.state,
                UpdateExpression:
                  'SET #size = :new, frontier = :frontier, checkpoint = :checkpoint, appliedThrough = :old',
                ConditionExpression:
                  'fence = :fence AND #lease.#owner = :me AND (#size = :old OR (attribute_not_exists(#size) AND :old = :zero))',
                ExpressionAttributeNames: { '#size': 'size', '#lease': 'lease', '#owner': 'owner' },
                ExpressionAttributeValues: {
                  ':new': newSize,
                  ':old': oldSize,
                  ':zero': 0,
                  ':frontier': frontier,
                  ':checkpoint': checkpoint,
                  ':fence': fence,
                  ':me': this.owner,
                },
              },
            },
            { Put: { TableName: this.tableName, Item: { ...logKeys.checkpoint(newSize), ...checkpoint } } },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        throw new SealerBusyError('The audit log changed hands during an append; the next run continues.');
      }
      throw error;
    }
    return { size: newSize, frontier, appliedThrough: oldSize, checkpoint };
  }

  /** A write before the commit: refused once a newer lease holder has written the same item. */
  private async fencedPut(item: Record<string, unknown>, fence: number): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...item, fence },
          ConditionExpression: 'attribute_not_exists(fence) OR fence <= :fence',
          ExpressionAttributeValues: { ':fence': fence },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new SealerBusyError('A newer sealer took over the audit log; this append stops.');
      }
      throw error;
    }
  }

  /**
   * The work after a commit, for leaves [appliedThrough, size): their leaf items (record id -> index) and their
   * daily usage. Safe to repeat: leaf items are the same each time, and a usage item remembers the last append it
   * counted (`through`), so an interrupted run finishes where it stopped without counting anything twice.
   */
  private async finish(state: LogState, fence: number): Promise<void> {
    const from = state.appliedThrough;
    const to = state.size;
    if (from >= to) return;
    const entries = await this.entries(from, to);
    const leafWrites = entries.map((entry, i) => ({
      PutRequest: { Item: { ...logKeys.leaf(entry.id), index: from + i, leafHash: entry.leafHash } },
    }));
    const batches: (typeof leafWrites)[] = [];
    for (let i = 0; i < leafWrites.length; i += 25) batches.push(leafWrites.slice(i, i + 25));
    const usage = new Map<string, { key: { pk: string; sk: string }; counts: Map<string, number> }>();
    for (const entry of entries) {
      if (!entry.usage) continue;
      const { agencyId, period, day, operation, purpose } = entry.usage;
      const key = usageKeys.day(agencyId, period, day.slice(8, 10));
      const at = usage.get(key.pk + key.sk) ?? { key, counts: new Map() };
      usage.set(key.pk + key.sk, at);
      for (const name of [dayCounterNames.opCalls(operation), dayCounterNames.purpose(operation, purpose)]) {
        at.counts.set(name, (at.counts.get(name) ?? 0) + 1);
      }
    }
    await runLimited(
      [
        ...batches.map((batch) => () => this.writeBatch(batch)),
        ...[...usage.values()].map(
          ({ key, counts }) =>
            () =>
              this.addUsage(key, counts, to),
        ),
      ],
      WRITE_CONCURRENCY,
    );
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: logKeys.state,
        UpdateExpression: 'SET appliedThrough = :to',
        ConditionExpression: 'fence = :fence AND #size >= :to',
        ExpressionAttributeNames: { '#size': 'size' },
        ExpressionAttributeValues: { ':to': to, ':fence': fence },
      }),
    );
  }

  private async writeBatch(requests: { PutRequest: { Item: Record<string, unknown> } }[]): Promise<void> {
    if (!requests.length) return;
    await untilProcessed(
      requests,
      async (pending) => {
        const result = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
        );
        const left = (result.UnprocessedItems?.[this.tableName] as typeof requests | undefined) ?? [];
        return left.length ? left : undefined;
      },
      // The sealer runs off the request path and must write its whole batch: it waits (up to 1 s) until it can.
      { ...UNPROCESSED_RETRY, attempts: Number.POSITIVE_INFINITY, maxDelayMs: 1_000 },
    );
  }

  private async addUsage(key: { pk: string; sk: string }, counts: Map<string, number>, through: number) {
    const names: Record<string, string> = { '#through': 'through' };
    const values: Record<string, unknown> = { ':through': through };
    const adds: string[] = [];
    [...counts.entries()].forEach(([name, count], i) => {
      names[`#c${i}`] = name;
      values[`:c${i}`] = count;
      adds.push(`#c${i} :c${i}`);
    });
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `SET #through = :through ADD ${adds.join(', ')}`,
          ConditionExpression: 'attribute_not_exists(#through) OR #through < :through',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      // Counted by an earlier, interrupted run of this same append.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  // --- reading ---------------------------------------------------------------------------------------

  private async readTiles(specs: TileSpec[]): Promise<Map<string, Uint8Array[]>> {
    const items = await batchGetAll(this.client, this.tableName, specs.map(logKeys.tile), true);
    const byPk = new Map(items.map((item) => [item.pk as string, item]));
    const out = new Map<string, Uint8Array[]>();
    for (const spec of specs) {
      const item = byPk.get(logKeys.tile(spec).pk);
      if (!item) throw new LogTamperedError(`Tile ${tileKey(spec)} of the audit log is missing.`);
      const hashes = decodeTile(item.hashes as Uint8Array);
      if (hashes.length < spec.width) {
        throw new LogTamperedError(
          `Tile ${tileKey(spec)} has ${hashes.length} entries; ${spec.width} are sealed.`,
        );
      }
      out.set(tileKey(spec), hashes.slice(0, spec.width));
    }
    return out;
  }

  private async readBundles(indexes: number[]): Promise<Map<number, BundleEntry[]>> {
    const items = await batchGetAll(this.client, this.tableName, indexes.map(logKeys.bundle), true);
    return new Map(items.map((item) => [logKeys.bundleOf(item), item.entries as BundleEntry[]]));
  }

  /** The bundle entries of leaves [from, to). */
  private async entries(from: number, to: number): Promise<BundleEntry[]> {
    const first = bundleOfLeaf(from).index;
    const last = bundleOfLeaf(to - 1).index;
    const indexes = Array.from({ length: last - first + 1 }, (_, i) => first + i);
    const bundles = await this.readBundles(indexes);
    const out: BundleEntry[] = [];
    for (let leaf = from; leaf < to; leaf++) {
      const { index, offset } = bundleOfLeaf(leaf);
      const entry = bundles.get(index)?.[offset];
      if (!entry) throw new LogTamperedError(`The audit log's entry for leaf ${leaf} is missing.`);
      out.push(entry);
    }
    return out;
  }

  /** The latest signed checkpoint, or undefined before the sealer first ran. */
  checkpoint(): Promise<SignedCheckpoint | undefined> {
    return latestCheckpoint(this.client, this.tableName);
  }

  /** Hashes of the perfect nodes a plan needs, read from the tiles of a tree of `treeSize` (one batch). */
  private async nodes(refs: NodeRef[], treeSize: number): Promise<(ref: NodeRef) => Uint8Array> {
    const tiles = await this.readTiles(tilesForNodes(refs, treeSize));
    return tileLookup((tile) => tiles.get(tileKey(tile)));
  }

  /**
   * The inclusion proof (RFC 9162 2.1.3) of a record in the latest checkpointed tree, or undefined while the
   * record is not in it.
   */
  async inclusionProof(recordId: string): Promise<InclusionProof | undefined> {
    const [{ Item: leaf }, state] = await Promise.all([
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: logKeys.leaf(recordId), ConsistentRead: true }),
      ),
      this.readState(true),
    ]);
    const checkpoint = state.checkpoint;
    if (!leaf || !checkpoint || Number(leaf.index) >= checkpoint.treeSize) return undefined;
    const leafIndex = Number(leaf.index);
    const plan = inclusionProofPlan(leafIndex, checkpoint.treeSize);
    const lookup = await this.nodes(planNodes(plan), checkpoint.treeSize);
    return {
      leafIndex,
      treeSize: checkpoint.treeSize,
      leafHash: leaf.leafHash as string,
      auditPath: evaluatePlan(plan, lookup).map(toHex),
      checkpoint,
    };
  }

  /** A checkpoint by tree size, if one was made at that size. */
  async checkpointAt(treeSize: number): Promise<SignedCheckpoint | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: logKeys.checkpoint(treeSize), ConsistentRead: true }),
    );
    return Item ? checkpointOf(Item) : undefined;
  }

  /** The consistency proof (RFC 9162 2.1.4) from a tree of m leaves to one of n (m <= n, both in the log). */
  async consistencyProof(m: number, n: number): Promise<string[]> {
    const plan = consistencyProofPlan(m, n);
    const lookup = await this.nodes(planNodes(plan), n);
    return evaluatePlan(plan, lookup).map(toHex);
  }

  // --- verifying -------------------------------------------------------------------------------------

  /**
   * Checks what was appended since the last verified checkpoint (at most `maxLeaves` of it): every record against
   * its leaf, the tiles against the records, the new root against the signed checkpoint, and a consistency proof
   * from the previous verified checkpoint. A clean result is stored, so the next run starts there; the cost is
   * that of what was appended, not of the whole log.
   */
  async verify(
    jwks: JSONWebKeySet,
    options: { maxLeaves?: number; full?: boolean; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<LogVerification> {
    const latest = (await this.readState(true)).checkpoint;
    const stored = options.full ? undefined : await this.verifiedState();
    const from = stored ?? { treeSize: 0, rootHash: toHex(emptyRoot()), frontier: { size: 0, hashes: [] } };
    if (!latest || latest.treeSize <= from.treeSize) {
      return { ok: true, checked: 0, from: from.treeSize, treeSize: from.treeSize, pending: 0 };
    }
    const limit = options.maxLeaves ?? (options.full ? Number.POSITIVE_INFINITY : VERIFY_MAX_LEAVES);
    const target =
      latest.treeSize - from.treeSize <= limit
        ? latest
        : await this.checkpointAtOrBefore(from.treeSize + limit);
    if (!target || target.treeSize <= from.treeSize) {
      return {
        ok: true,
        checked: 0,
        from: from.treeSize,
        treeSize: from.treeSize,
        pending: latest.treeSize - from.treeSize,
      };
    }
    const result = (broken?: BrokenLeaf, checked = target.treeSize - from.treeSize): LogVerification => ({
      ok: !broken,
      checked,
      from: from.treeSize,
      treeSize: target.treeSize,
      pending: latest.treeSize - target.treeSize,
      ...(broken ? { firstBroken: broken } : {}),
    });
    try {
      await verifyCheckpoint(target, jwks, { origin: this.options.origin });
    } catch (error) {
      return result(
        {
          code: 'signature',
          reason: `the checkpoint at size ${target.treeSize} is not validly signed: ${(error as Error).message}`,
        },
        0,
      );
    }
    const checkpoints = options.full
      ? await this.checkpointsUpTo(target.treeSize)
      : new Map<number, string>();
    const range = CompactRange.fromJSON(from.frontier);
    const step = BUNDLE_SIZE * 10;
    for (let start = from.treeSize; start < target.treeSize; start += step) {
      const end = Math.min(target.treeSize, start + step);
      const broken = await this.verifyLeaves(range, start, end, target.treeSize, checkpoints);
      if (broken) return result(broken, start - from.treeSize);
      options.onProgress?.(end - from.treeSize, target.treeSize - from.treeSize);
    }
    if (toHex(range.root()) !== target.rootHash) {
      return result({
        code: 'root',
        reason: `the records do not give the root signed at size ${target.treeSize}`,
      });
    }
    if (from.treeSize > 0) {
      const proof = await this.consistencyProof(from.treeSize, target.treeSize);
      const consistent = verifyConsistency(
        from.treeSize,
        target.treeSize,
        proof.map(fromHex),
        fromHex(from.rootHash),
        fromHex(target.rootHash),
      );
      if (!consistent) {
        return result({
          code: 'consistency',
          reason: `the tiles do not prove size ${target.treeSize} extends the verified size ${from.treeSize}`,
        });
      }
    }
    await this.client
      .send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...logKeys.verified,
            treeSize: target.treeSize,
            rootHash: target.rootHash,
            frontier: range.toJSON(),
            verifiedAt: this.now().toISOString(),
          },
          // Never move the verified point back (two verifications at once).
          ConditionExpression: 'attribute_not_exists(treeSize) OR treeSize <= :size',
          ExpressionAttributeValues: { ':size': target.treeSize },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
    return result();
  }

  /** Leaves [start, end): records against bundle entries and level-0 tiles, then tile entries above. */
  private async verifyLeaves(
    range: CompactRange,
    start: number,
    end: number,
    treeSize: number,
    checkpoints: Map<number, string>,
  ): Promise<BrokenLeaf | undefined> {
    let entries: BundleEntry[];
    try {
      entries = await this.entries(start, end);
    } catch (error) {
      return { leafIndex: start, code: 'entries', reason: (error as Error).message };
    }
    const tileSpecs = new Map<string, TileSpec>();
    for (let leaf = start; leaf < end; leaf += TILE_WIDTH - (leaf % TILE_WIDTH)) {
      const index = Math.floor(leaf / TILE_WIDTH);
      tileSpecs.set(`0/${index}`, {
        level: 0,
        index,
        width: Math.min(TILE_WIDTH, treeSize - index * TILE_WIDTH),
      });
    }
    const [records, tiles] = await Promise.all([
      batchGetAll(
        this.client,
        this.tableName,
        entries.map(({ pk, sk }) => ({ pk, sk })),
        false,
      ),
      this.readTiles([...tileSpecs.values()]).catch((error: Error) => error),
    ]);
    if (tiles instanceof Error) return { leafIndex: start, code: 'tile', reason: tiles.message };
    const byKey = new Map(records.map((item) => [`${item.pk}\n${item.sk}`, item]));
    const hashes: Uint8Array[] = [];
    for (const [i, entry] of entries.entries()) {
      const leafIndex = start + i;
      const record = byKey.get(`${entry.pk}\n${entry.sk}`);
      if (!record?.event)
        return { leafIndex, id: entry.id, code: 'missing', reason: 'the sealed record is missing' };
      const event = record.event as AuditEvent;
      const recomputed = recordLeafHash(event);
      const tile = tiles.get(`0/${Math.floor(leafIndex / TILE_WIDTH)}`)?.[leafIndex % TILE_WIDTH];
      if (event.id !== entry.id || recomputed !== entry.leafHash || !tile || toHex(tile) !== recomputed) {
        return {
          leafIndex,
          id: entry.id,
          code: 'changed',
          reason: 'the record was changed after it was sealed',
        };
      }
      hashes.push(fromHex(recomputed));
    }
    // Every node the records complete at a tile level must be what the tiles hold: proofs are served from them.
    const completed = [];
    for (const hash of hashes) {
      completed.push(...range.append([hash]).filter((n) => n.height > 0 && n.height % TILE_HEIGHT === 0));
      const root = checkpoints.get(range.size);
      if (root && toHex(range.root()) !== root) {
        return {
          leafIndex: range.size - 1,
          code: 'root',
          reason: `the records do not give the root signed at size ${range.size}`,
        };
      }
    }
    if (completed.length) {
      const specs = new Map<string, TileSpec>();
      for (const node of completed) {
        const level = node.height / TILE_HEIGHT;
        const index = Math.floor(node.index / TILE_WIDTH);
        specs.set(`${level}/${index}`, {
          level,
          index,
          width: Math.min(TILE_WIDTH, Math.floor(treeSize / TILE_WIDTH ** level) - index * TILE_WIDTH),
        });
      }
      let upper: Map<string, Uint8Array[]>;
      try {
        upper = await this.readTiles([...specs.values()]);
      } catch (error) {
        return { code: 'tile', reason: (error as Error).message };
      }
      for (const node of completed) {
        const level = node.height / TILE_HEIGHT;
        const stored = upper.get(`${level}/${Math.floor(node.index / TILE_WIDTH)}`)?.[
          node.index % TILE_WIDTH
        ];
        if (!stored || toHex(stored) !== toHex(node.hash)) {
          return {
            code: 'tile',
            reason: `tile ${level}/${Math.floor(node.index / TILE_WIDTH)} does not match the records below it`,
          };
        }
      }
    }
    return undefined;
  }

  private async verifiedState() {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: logKeys.verified, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      treeSize: Number(Item.treeSize),
      rootHash: Item.rootHash as string,
      frontier: Item.frontier as CompactRangeJson,
    };
  }

  private async checkpointAtOrBefore(treeSize: number): Promise<SignedCheckpoint | undefined> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({ ...this.checkpointsQuery(treeSize), ScanIndexForward: false, Limit: 1 }),
    );
    return Items[0] ? checkpointOf(Items[0]) : undefined;
  }

  /** The checkpoints of sizes up to `treeSize`, oldest first. */
  private checkpointsQuery(treeSize: number) {
    return {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND sk <= :sk',
      ExpressionAttributeValues: { ':pk': logKeys.checkpoint(0).pk, ':sk': logKeys.checkpoint(treeSize).sk },
      ConsistentRead: true,
    };
  }

  /** Every checkpoint's root up to a size (a full verification checks the tree against each). */
  private async checkpointsUpTo(treeSize: number): Promise<Map<number, string>> {
    const items = await queryAll(this.client, this.checkpointsQuery(treeSize));
    return new Map(items.map((item) => [Number(item.treeSize), item.rootHash as string]));
  }
}

const checkpointOf = (item: Record<string, unknown>): SignedCheckpoint => ({
  treeSize: Number(item.treeSize),
  rootHash: item.rootHash as string,
  timestamp: item.timestamp as string,
  jws: item.jws as string,
});

function stateOf(item: Record<string, unknown> | undefined): LogState {
  const size = Number(item?.size ?? 0);
  return {
    size,
    frontier: (item?.frontier as CompactRangeJson | undefined) ?? { size: 0, hashes: [] },
    appliedThrough: Number(item?.appliedThrough ?? size),
    checkpoint: item?.checkpoint as SignedCheckpoint | undefined,
  };
}

/** Where a counted registry call's daily usage is aggregated; nothing for replays and other records. */
function usageOf(event: AuditEvent): BundleEntry['usage'] {
  if (event.kind !== 'registry-call' || !event.ledger || event.replayOf) return undefined;
  return {
    agencyId: event.actor.agencyId,
    period: event.ledger.period,
    day: event.ledger.day,
    operation: event.action,
    purpose: event.purpose ?? '',
  };
}

async function runLimited(tasks: (() => Promise<unknown>)[], limit: number): Promise<void> {
  const queue = [...tasks];
  await Promise.all(
    Array.from({ length: Math.min(limit, queue.length) }, async () => {
      for (let task = queue.shift(); task; task = queue.shift()) await task();
    }),
  );
}

/** The audit log's name in its signed checkpoints: this gateway's issuer, so two deployments never mix. */
export const auditLogOrigin = (config: Pick<Config, 'TOKEN_ISSUER'>) => `${config.TOKEN_ISSUER}/audit/log`;

/**
 * The audit log of a gateway's ledger table. Built by the functions that use it (audit, sealer) rather than for
 * every function: its Merkle, tile and checkpoint code stays out of the other bundles.
 */
export function auditLogOf(deps: {
  store: DynamoDBDocumentClient;
  tables: TableNames;
  config: Pick<Config, 'TOKEN_ISSUER'>;
  keys: AuditLogOptions['keys'];
  now: () => Date;
}): AuditLog {
  return new AuditLog(deps.store, deps.tables.ledger, {
    origin: auditLogOrigin(deps.config),
    keys: deps.keys,
    now: deps.now,
  });
}
