/**
 * A store that answers like the DynamoDB service under contention: an HTTP proxy in front of DynamoDB Local
 * that applies the service's transaction-conflict rules and, optionally, its service times. DynamoDB Local
 * stays the store underneath; every request that is not answered with an injected conflict reaches it.
 *
 * Why: DynamoDB Local almost never reports a transaction conflict and answers in about a millisecond, so code
 * proven only on Local can serialize a whole agency on the service without any test noticing
 * (../shared/TOOLCHAIN.md, "DynamoDB Local is not DynamoDB").
 *
 * The rules, and the AWS texts they follow:
 *
 * Developer Guide, "Amazon DynamoDB Transactions: How it works", section "Transaction conflict handling in
 * DynamoDB" (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
 * #transaction-conflict-handling):
 *   "Transaction conflicts can occur in the following scenarios:
 *    - A PutItem, UpdateItem, or DeleteItem request for an item conflicts with an ongoing TransactWriteItems
 *      request that includes the same item.
 *    - An item within a TransactWriteItems request is part of another ongoing TransactWriteItems request.
 *    - An item within a TransactGetItems request is part of an ongoing TransactWriteItems, BatchWriteItem,
 *      PutItem, UpdateItem, or DeleteItem request."
 *   "When a PutItem, UpdateItem, or DeleteItem request is rejected, the request fails with a
 *    TransactionConflictException. If any item-level request within TransactWriteItems or TransactGetItems is
 *    rejected, the request fails with a TransactionCanceledException."
 *   "If an ongoing TransactWriteItems or TransactGetItems operation conflicts with a concurrent GetItem
 *    request, both operations can succeed."
 * and its "Isolation levels" section: between a transaction and BatchGetItem, Query or Scan the level is
 * read-committed ("read operations always return committed values for an item").
 *
 * API Reference, TransactWriteItems, error TransactionCanceledException
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html):
 *   "There is an ongoing TransactWriteItems operation that conflicts with a concurrent TransactWriteItems
 *    request. In this case the TransactWriteItems operation fails with a TransactionCanceledException."
 *   "There is an ongoing TransactGetItems operation that conflicts with a concurrent PutItem, UpdateItem,
 *    DeleteItem or TransactWriteItems request. In this case the TransactGetItems operation fails with a
 *    TransactionCanceledException."
 *   "Transaction cancellation reasons are ordered in the order of requested items, if an item has no error it
 *    will have None code and Null message. [...] the message field is omitted entirely for an item that has
 *    no error." and "Transaction Conflict: Code: TransactionConflict, Message: Transaction is ongoing for the
 *    item."
 *   Error TransactionInProgressException: "The transaction with the given request token is already in
 *    progress."
 * API Reference, PutItem / UpdateItem / DeleteItem, error TransactionConflictException: "Operation was
 * rejected because there is an ongoing transaction for the item."
 *
 * So:
 * 1. TransactWriteItems naming an item held by another in-flight TransactWriteItems is cancelled (after
 *    `cancelMs`): TransactionConflict on the held items, None on the rest, in request order. Otherwise it holds
 *    its items, waits `transactMs`, and only then is forwarded, so plain reads during the hold see the
 *    committed, pre-transaction state. Its items are released when DynamoDB Local has answered.
 * 2. PutItem / UpdateItem / DeleteItem on an item held by a TransactWriteItems fail with
 *    TransactionConflictException. A plain write in flight never cancels a TransactWriteItems: the texts list
 *    only another TransactWriteItems as a reason to cancel one.
 * 3. TransactGetItems fails when any item it names is written, at any time while it is in flight, by a
 *    TransactWriteItems, PutItem, UpdateItem, DeleteItem or BatchWriteItem; the writer goes on.
 * 4. GetItem, BatchGetItem, Query and Scan never conflict.
 * 5. A TransactWriteItems whose ClientRequestToken is already in flight fails with
 *    TransactionInProgressException instead of being run twice.
 *
 * Where the texts are silent: what the service answers for a BatchWriteItem write on an item held by a
 * transaction. BatchWriteItem lists no TransactionConflictException among its errors, "The individual PutItem
 * and DeleteItem operations specified in BatchWriteItem are atomic; however BatchWriteItem as a whole is not",
 * and "If any requested operations fail because [...] an internal processing failure occurs, the failed
 * operations are returned in the UnprocessedItems response parameter" (API Reference, BatchWriteItem). So a
 * write on a held item is returned in UnprocessedItems (counted in `itemConflicts`) and the rest of the batch
 * is written. PartiQL (ExecuteStatement, BatchExecuteStatement, ExecuteTransaction) passes through untouched:
 * its items cannot be known without parsing the statements.
 *
 * Keys are compared by their exact attribute-value JSON (attribute names sorted), so `{"N":"1"}` and
 * `{"N":"1.0"}` are different items here although the service would treat them as one.
 */
import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  request,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ServiceStoreOptions {
  /** DynamoDB Local's endpoint, e.g. http://127.0.0.1:8000 */
  target: string;
  /** Apply the conflict rules (default true). false: the same service times, no conflicts (the baseline). */
  conflicts?: boolean;
  /** Service time of TransactWriteItems / TransactGetItems in ms (default 0). AWS p50 from Lambda: 25. */
  transactMs?: number;
  /** Service time of single-item and batch data-plane calls (GetItem, PutItem, UpdateItem, DeleteItem, BatchGetItem, BatchWriteItem, Query, Scan) in ms (default 0). AWS p50: 7. */
  itemMs?: number;
  /** How long a transaction cancelled for a conflict takes to answer (default: transactMs). */
  cancelMs?: number;
  port?: number; // 0 / omitted: a free port; listen on 127.0.0.1 only
}

export interface ServiceStoreStats {
  /** Requests per operation: `PutItem`, ...; other targets (Streams) by their whole X-Amz-Target. */
  requests: Record<string, number>;
  /** TransactWriteItems cancelled with TransactionConflict. */
  transactionConflicts: number;
  /** PutItem / UpdateItem / DeleteItem rejected, plus BatchWriteItem writes returned unprocessed. */
  itemConflicts: number;
  /** TransactGetItems cancelled with TransactionConflict. */
  transactGetConflicts: number;
  /** The most items TransactWriteItems held at once. */
  maxHeldItems: number;
}

export interface ServiceStore {
  endpoint: string;
  stats(): ServiceStoreStats;
  resetStats(): void;
  stop(): Promise<void>;
}

const DYNAMODB_PREFIX = 'DynamoDB_20120810.';
const ERROR_NAMESPACE = 'com.amazonaws.dynamodb.v20120810#';
const ITEM_OPERATIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan']);
// Hop-by-hop headers belong to one connection; Expect too, since bodies are sent whole.
const NOT_RELAYED = [
  'connection',
  'expect',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'trailer',
];
const CONFLICT_REASON = { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' };

/** What DynamoDB Local (or this store, for an injected conflict) answered. */
interface Answer {
  status: number;
  headers: IncomingHttpHeaders | OutgoingHttpHeaders;
  body: Buffer;
}

/** An item, as `TableName` plus its primary key; undefined where a request does not name one we can read. */
type ItemId = string | undefined;

/** A TransactGetItems in flight: the items it reads, and the positions a writer has touched meanwhile. */
interface TransactGet {
  items: ItemId[];
  conflicted: Set<number>;
}

type Json = Record<string, unknown>;

/** Starts the proxy on 127.0.0.1 and resolves once it listens. */
export async function startServiceStore(options: ServiceStoreOptions): Promise<ServiceStore> {
  const target = new URL(options.target);
  if (target.protocol !== 'http:') {
    throw new Error(`service store: target must be http://, got ${options.target}`);
  }
  const conflicts = options.conflicts ?? true;
  const transactMs = options.transactMs ?? 0;
  const itemMs = options.itemMs ?? 0;
  const cancelMs = options.cancelMs ?? transactMs;

  // Below Jetty's 30 s idle timeout, so the pool never reuses a socket DynamoDB Local is closing.
  const agent = new Agent({ keepAlive: true, timeout: 15_000 });
  const contention = new Contention();
  const keySchemas = new Map<string, Promise<string[] | undefined>>();
  const tokensInFlight = new Set<string>();
  let stats = emptyStats();

  function forward(req: IncomingMessage, body: Buffer, extra: { identity?: boolean } = {}): Promise<Answer> {
    const headers: OutgoingHttpHeaders = { ...req.headers };
    for (const name of NOT_RELAYED) delete headers[name];
    // A rewritten answer must be parseable here, so ask DynamoDB Local for it uncompressed.
    if (extra.identity) delete headers['accept-encoding'];
    headers.host = target.host;
    headers['content-length'] = String(body.length);
    return send(req.method ?? 'POST', req.url ?? '/', headers, body);
  }

  function send(method: string, path: string, headers: OutgoingHttpHeaders, body: Buffer): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const upstream = request(
        { hostname: target.hostname, port: target.port, method, path, headers, agent },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('close', () => {
            if (!response.complete) {
              reject(new Error('DynamoDB Local hung up before its answer was complete'));
            }
          });
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 500,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          );
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  /** The table's key attribute names, from DescribeTable against the target, asked once per table. */
  function keySchemaOf(table: string, req: IncomingMessage): Promise<string[] | undefined> {
    // DynamoDB Local keeps one database per access key and region unless it runs with sharedDb.
    const cacheKey = `${table}\u0000${credentialScope(req.headers)}`;
    let schema = keySchemas.get(cacheKey);
    if (!schema) {
      schema = describeKeySchema(table, req).catch(() => undefined);
      keySchemas.set(cacheKey, schema);
      // A table that does not exist yet may be created later: do not remember the miss.
      void schema.then((names) => {
        if (!names && keySchemas.get(cacheKey) === schema) keySchemas.delete(cacheKey);
      });
    }
    return schema;
  }

  async function describeKeySchema(table: string, req: IncomingMessage): Promise<string[] | undefined> {
    const body = Buffer.from(JSON.stringify({ TableName: table }));
    const headers: OutgoingHttpHeaders = {
      host: target.host,
      'content-type': 'application/x-amz-json-1.0',
      'content-length': String(body.length),
      'x-amz-target': `${DYNAMODB_PREFIX}DescribeTable`,
    };
    // DynamoDB Local does not check signatures but picks its database by the caller's access key.
    for (const name of ['authorization', 'x-amz-date', 'x-amz-security-token']) {
      const value = req.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    const answer = await send('POST', '/', headers, body);
    if (answer.status !== 200) return undefined;
    const description = parseJson(answer.body);
    const keySchema = objectAt(description, 'Table')?.KeySchema;
    if (!Array.isArray(keySchema)) return undefined;
    return keySchema.map((element) => String((element as Json).AttributeName));
  }

  function forgetKeySchema(table: unknown): void {
    if (typeof table !== 'string') return;
    for (const cacheKey of keySchemas.keys()) {
      if (cacheKey.startsWith(`${table}\u0000`)) keySchemas.delete(cacheKey);
    }
  }

  async function putItemId(table: unknown, item: unknown, req: IncomingMessage): Promise<ItemId> {
    if (typeof table !== 'string' || !isObject(item)) return undefined;
    const names = await keySchemaOf(table, req);
    if (!names) return undefined;
    const key: Json = {};
    for (const name of names) {
      if (!(name in item)) return undefined;
      key[name] = item[name];
    }
    return itemId(table, key);
  }

  /** The items a TransactWriteItems names, one per action, in request order. */
  async function transactWriteItems(input: unknown, req: IncomingMessage): Promise<ItemId[]> {
    const actions = isObject(input) && Array.isArray(input.TransactItems) ? input.TransactItems : [];
    return Promise.all(
      actions.map(async (action: unknown) => {
        if (!isObject(action)) return undefined;
        const put = objectAt(action, 'Put');
        if (put) return putItemId(put.TableName, put.Item, req);
        const other =
          objectAt(action, 'Update') ?? objectAt(action, 'Delete') ?? objectAt(action, 'ConditionCheck');
        return other ? itemId(other.TableName, other.Key) : undefined;
      }),
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const targetHeader = req.headers['x-amz-target'];
    const amzTarget = typeof targetHeader === 'string' ? targetHeader : '';
    const operation = amzTarget.startsWith(DYNAMODB_PREFIX)
      ? amzTarget.slice(DYNAMODB_PREFIX.length)
      : undefined;
    const label = operation ?? (amzTarget || '(no X-Amz-Target)');
    stats.requests[label] = (stats.requests[label] ?? 0) + 1;

    switch (operation) {
      case 'TransactWriteItems':
        return reply(res, await transactWrite(req, body));
      case 'TransactGetItems':
        return reply(res, await transactGet(req, body));
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem':
        return reply(res, await singleWrite(operation, req, body));
      case 'BatchWriteItem':
        return reply(res, await batchWrite(req, body));
      case 'CreateTable':
      case 'DeleteTable': {
        const answer = await forward(req, body);
        // A table deleted and created again may have another key schema.
        const input = parseJson(body);
        forgetKeySchema(isObject(input) ? input.TableName : undefined);
        return reply(res, answer);
      }
      default:
        if (operation && ITEM_OPERATIONS.has(operation)) await serviceTime(itemMs);
        // Control plane, DynamoDB Streams and anything unknown pass straight through.
        return reply(res, await forward(req, body));
    }
  }

  async function transactWrite(req: IncomingMessage, body: Buffer): Promise<Answer> {
    if (!conflicts) {
      await serviceTime(transactMs);
      return forward(req, body);
    }
    const input = parseJson(body);
    const items = await transactWriteItems(input, req);
    const token =
      isObject(input) && typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : '';
    const tokenId = token && `${credentialScope(req.headers)}\u0000${token}`;
    if (tokenId && tokensInFlight.has(tokenId)) {
      await serviceTime(cancelMs);
      return errorAnswer('TransactionInProgressException', {
        message: 'The transaction with the given request token is already in progress',
      });
    }
    const owner = Symbol('TransactWriteItems');
    const held = items.map((item) => item !== undefined && contention.heldByOther(item, owner));
    if (held.some(Boolean)) {
      stats.transactionConflicts++;
      await serviceTime(cancelMs);
      return cancelled(held);
    }
    if (tokenId) tokensInFlight.add(tokenId);
    contention.hold(owner, items);
    stats.maxHeldItems = Math.max(stats.maxHeldItems, contention.heldCount);
    try {
      await serviceTime(transactMs);
      return await forward(req, body);
    } finally {
      contention.release(owner, items);
      if (tokenId) tokensInFlight.delete(tokenId);
    }
  }

  async function transactGet(req: IncomingMessage, body: Buffer): Promise<Answer> {
    if (!conflicts) {
      await serviceTime(transactMs);
      return forward(req, body);
    }
    const input = parseJson(body);
    const actions = isObject(input) && Array.isArray(input.TransactItems) ? input.TransactItems : [];
    const items = actions.map((action: unknown) => {
      const get = objectAt(action, 'Get');
      return get ? itemId(get.TableName, get.Key) : undefined;
    });
    const read: TransactGet = { items, conflicted: new Set() };
    items.forEach((item, index) => {
      if (item !== undefined && contention.beingWritten(item)) read.conflicted.add(index);
    });
    if (read.conflicted.size > 0) {
      stats.transactGetConflicts++;
      await serviceTime(cancelMs);
      return cancelled(items.map((_, index) => read.conflicted.has(index)));
    }
    contention.watch(read);
    try {
      await serviceTime(transactMs);
    } finally {
      contention.unwatch(read);
    }
    if (read.conflicted.size > 0) {
      stats.transactGetConflicts++;
      return cancelled(items.map((_, index) => read.conflicted.has(index)));
    }
    return forward(req, body);
  }

  async function singleWrite(operation: string, req: IncomingMessage, body: Buffer): Promise<Answer> {
    if (!conflicts) {
      await serviceTime(itemMs);
      return forward(req, body);
    }
    const input = parseJson(body);
    const item = !isObject(input)
      ? undefined
      : operation === 'PutItem'
        ? await putItemId(input.TableName, input.Item, req)
        : itemId(input.TableName, input.Key);
    if (item !== undefined && contention.heldByOther(item, undefined)) {
      stats.itemConflicts++;
      await serviceTime(itemMs);
      return errorAnswer('TransactionConflictException', { message: 'Transaction is ongoing for the item' });
    }
    contention.startWrites([item]);
    try {
      await serviceTime(itemMs);
      return await forward(req, body);
    } finally {
      contention.endWrites([item]);
    }
  }

  async function batchWrite(req: IncomingMessage, body: Buffer): Promise<Answer> {
    const input = conflicts ? parseJson(body) : undefined;
    const requestItems = objectAt(input, 'RequestItems');
    const tables = requestItems ? Object.entries(requestItems) : [];
    if (!isObject(input) || tables.length === 0 || tables.some(([, writes]) => !Array.isArray(writes))) {
      // Conflicts off, or a request DynamoDB Local will refuse on its own.
      await serviceTime(itemMs);
      return forward(req, body);
    }
    const writes: { table: string; write: unknown; item: ItemId }[] = [];
    for (const [table, tableWrites] of tables) {
      for (const write of tableWrites as unknown[]) {
        const put = objectAt(write, 'PutRequest');
        const del = objectAt(write, 'DeleteRequest');
        const item = put ? await putItemId(table, put.Item, req) : del ? itemId(table, del.Key) : undefined;
        writes.push({ table, write, item });
      }
    }
    // Decided in one go, after the last await, so no transaction can start holding an item halfway through.
    const kept: Record<string, unknown[]> = {};
    const deferred: Record<string, unknown[]> = {};
    const written: ItemId[] = [];
    let deferredCount = 0;
    for (const { table, write, item } of writes) {
      if (item !== undefined && contention.heldByOther(item, undefined)) {
        append(deferred, table, write);
        deferredCount++;
      } else {
        append(kept, table, write);
        written.push(item);
      }
    }
    stats.itemConflicts += deferredCount;
    contention.startWrites(written);
    try {
      await serviceTime(itemMs);
      if (deferredCount === 0) return await forward(req, body);
      if (written.length === 0) return jsonAnswer({ UnprocessedItems: deferred });
      const answer = await forward(req, Buffer.from(JSON.stringify({ ...input, RequestItems: kept })), {
        identity: true,
      });
      return answer.status === 200 ? withUnprocessed(answer, deferred) : answer;
    } finally {
      contention.endWrites(written);
    }
  }

  const inFlight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const done: Promise<void> = handle(req, res)
      .catch((error: unknown) => fail(res, error))
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  });
  // Node closes idle sockets after 5 s by default, and a client reusing one at that moment gets ECONNRESET;
  // a benchmark pausing between phases would see errors the service never gives.
  server.keepAliveTimeout = 65_000;
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats: () => ({ ...stats, requests: { ...stats.requests } }),
    resetStats: () => {
      stats = emptyStats();
      stats.maxHeldItems = contention.heldCount;
    },
    stop: () => {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await Promise.allSettled([...inFlight]);
        server.closeAllConnections();
        await closed;
        agent.destroy();
      })();
      return stopped;
    },
  };
}

/** Who holds, writes and reads which item right now. */
class Contention {
  private readonly holders = new Map<string, symbol>();
  private readonly writers = new Map<string, number>();
  private readonly readers = new Map<string, Set<TransactGet>>();

  get heldCount(): number {
    return this.holders.size;
  }

  /** Held by a TransactWriteItems other than `owner` (undefined: by any). */
  heldByOther(item: string, owner: symbol | undefined): boolean {
    const holder = this.holders.get(item);
    return holder !== undefined && holder !== owner;
  }

  beingWritten(item: string): boolean {
    return this.holders.has(item) || (this.writers.get(item) ?? 0) > 0;
  }

  hold(owner: symbol, items: ItemId[]): void {
    for (const item of items) {
      if (item !== undefined) this.holders.set(item, owner);
    }
    this.touch(items);
  }

  release(owner: symbol, items: ItemId[]): void {
    for (const item of items) {
      if (item !== undefined && this.holders.get(item) === owner) this.holders.delete(item);
    }
  }

  startWrites(items: ItemId[]): void {
    for (const item of items) {
      if (item !== undefined) this.writers.set(item, (this.writers.get(item) ?? 0) + 1);
    }
    this.touch(items);
  }

  endWrites(items: ItemId[]): void {
    for (const item of items) {
      if (item === undefined) continue;
      const count = (this.writers.get(item) ?? 1) - 1;
      if (count > 0) this.writers.set(item, count);
      else this.writers.delete(item);
    }
  }

  watch(read: TransactGet): void {
    for (const item of read.items) {
      if (item === undefined) continue;
      const set = this.readers.get(item) ?? new Set();
      set.add(read);
      this.readers.set(item, set);
    }
  }

  unwatch(read: TransactGet): void {
    for (const item of read.items) {
      if (item === undefined) continue;
      const set = this.readers.get(item);
      set?.delete(read);
      if (set?.size === 0) this.readers.delete(item);
    }
  }

  /** A write started on these items: every TransactGetItems reading one of them now fails on it. */
  private touch(items: ItemId[]): void {
    for (const item of items) {
      if (item === undefined) continue;
      for (const read of this.readers.get(item) ?? []) {
        read.items.forEach((readItem, index) => {
          if (readItem === item) read.conflicted.add(index);
        });
      }
    }
  }
}

function emptyStats(): ServiceStoreStats {
  return {
    requests: {},
    transactionConflicts: 0,
    itemConflicts: 0,
    transactGetConflicts: 0,
    maxHeldItems: 0,
  };
}

/**
 * Waits at least `ms`. Node counts a timer from the event loop's cached clock, so it can fire early by however
 * long the current turn of the loop has run; a service time is a floor.
 */
async function serviceTime(ms: number): Promise<void> {
  if (ms <= 0) return;
  const until = performance.now() + ms;
  for (let left = ms; left > 0; left = until - performance.now()) await sleep(Math.ceil(left));
}

function itemId(table: unknown, key: unknown): ItemId {
  if (typeof table !== 'string' || !isObject(key)) return undefined;
  const names = Object.keys(key).sort();
  if (names.length === 0) return undefined;
  return JSON.stringify([table, ...names.map((name) => [name, key[name]])]);
}

function credentialScope(headers: IncomingHttpHeaders): string {
  const authorization = headers.authorization ?? '';
  const credential = /Credential=([^/]*)\/[^/]*\/([^/]*)\//.exec(authorization);
  return credential ? `${credential[1]}/${credential[2]}` : '';
}

function cancelled(conflicted: boolean[]): Answer {
  const reasons = conflicted.map((conflict) => (conflict ? CONFLICT_REASON : { Code: 'None' }));
  const codes = reasons.map((reason) => reason.Code).join(', ');
  return errorAnswer('TransactionCanceledException', {
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
    CancellationReasons: reasons,
  });
}

function errorAnswer(type: string, payload: Json): Answer {
  return {
    status: 400,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-ErrorType': type,
      'x-amzn-RequestId': randomUUID(),
    },
    body: Buffer.from(JSON.stringify({ __type: `${ERROR_NAMESPACE}${type}`, ...payload })),
  };
}

function jsonAnswer(payload: Json): Answer {
  return {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': randomUUID() },
    body: Buffer.from(JSON.stringify(payload)),
  };
}

/** DynamoDB Local's BatchWriteItem answer, with the writes this store deferred added to UnprocessedItems. */
function withUnprocessed(answer: Answer, deferred: Record<string, unknown[]>): Answer {
  const output = parseJson(answer.body);
  if (!isObject(output)) return answer;
  const unprocessed = { ...(objectAt(output, 'UnprocessedItems') ?? {}) };
  for (const [table, writes] of Object.entries(deferred)) {
    const already = unprocessed[table];
    unprocessed[table] = [...(Array.isArray(already) ? already : []), ...writes];
  }
  const headers = { ...answer.headers };
  // The body changed, so DynamoDB Local's checksum no longer describes it.
  delete headers['x-amz-crc32'];
  return {
    ...answer,
    headers,
    body: Buffer.from(JSON.stringify({ ...output, UnprocessedItems: unprocessed })),
  };
}

function reply(res: ServerResponse, answer: Answer): void {
  // The client may have hung up while its request was held; the work is done, there is no one to tell.
  if (res.destroyed || res.writableEnded) return;
  const headers: OutgoingHttpHeaders = { ...answer.headers };
  for (const name of NOT_RELAYED) delete headers[name];
  headers['content-length'] = String(answer.body.length);
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

function fail(res: ServerResponse, error: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const message = `service store: ${error instanceof Error ? error.message : String(error)}`;
  reply(res, { ...errorAnswer('InternalServerError', { message }), status: 500 });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('the client hung up before its request was complete'));
    });
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function append(record: Record<string, unknown[]>, key: string, value: unknown): void {
  const list = record[key] ?? [];
  list.push(value);
  record[key] = list;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectAt(value: unknown, name: string): Json | undefined {
  if (!isObject(value)) return undefined;
  const inner = value[name];
  return isObject(inner) ? inner : undefined;
}
