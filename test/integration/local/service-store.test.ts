import { randomUUID } from 'node:crypto';
import { type IncomingHttpHeaders, request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CancellationReason,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  InternalServerError,
  ListTablesCommand,
  TransactionCanceledException,
  TransactionConflictException,
  TransactionInProgressException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../../local/dynamo-local';
import { type ServiceStore, type ServiceStoreOptions, startServiceStore } from '../../../local/service-store';

const dynamoEndpoint = inject('dynamoEndpoint');
const table = `service-store-${randomUUID()}`;
const stores: ServiceStore[] = [];
const clients: DynamoDBClient[] = [];

function clientFor(endpoint: string): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // The SDK retries TransactionConflictException; one attempt shows every conflict the store injects.
    maxAttempts: 1,
  });
  clients.push(client);
  return DynamoDBDocumentClient.from(client);
}

async function storeWith(options: Omit<ServiceStoreOptions, 'target'>, warm = true) {
  const store = await startServiceStore({ target: dynamoEndpoint, ...options });
  stores.push(store);
  const db = clientFor(store.endpoint);
  if (warm) await warmUp(db);
  return { store, db };
}

const fresh = () => randomUUID();
const key = (pk: string) => ({ pk, sk: 'item' });

/** Polls until the store reports what the test needs (an item held, a request in flight). */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = performance.now() + 2000;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(1);
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, and it succeeded');
}

function reasonsOf(error: unknown): CancellationReason[] | undefined {
  expect(error).toBeInstanceOf(TransactionCanceledException);
  return (error as TransactionCanceledException).CancellationReasons;
}

const codesOf = (error: unknown) => reasonsOf(error)?.map((reason) => reason.Code);

async function timed<T>(promise: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await promise;
  return { value, ms: performance.now() - started };
}

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request as the SDK would send it, without the SDK: to see the wire, and to hang up mid-request. */
function raw(
  endpoint: string,
  target: string,
  payload: unknown,
  onRequest?: (hangUp: () => void) => void,
): Promise<RawAnswer> {
  const body = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const req = request(
      endpoint,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': Buffer.byteLength(body),
          'x-amz-target': target,
          authorization:
            'AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
    onRequest?.(() => req.destroy());
  });
}

const local = clientFor(dynamoEndpoint);

/**
 * One call of each kind first, so no overlap a test arranges waits on a client's first call of a kind, nor on
 * the DescribeTable a store needs once to find the key of a Put.
 */
async function warmUp(db: DynamoDBDocumentClient): Promise<void> {
  const item = key(fresh());
  await Promise.all([
    db.send(new PutCommand({ TableName: table, Item: key(fresh()) })),
    db.send(new GetCommand({ TableName: table, Key: item })),
    db.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: [item] } } })),
    db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': item.pk },
      }),
    ),
    db.send(new TransactGetCommand({ TransactItems: [{ Get: { TableName: table, Key: item } }] })),
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: key(fresh()),
        UpdateExpression: 'SET v = :v',
        ExpressionAttributeValues: { ':v': 1 },
      }),
    ),
    db.send(new BatchWriteCommand({ RequestItems: { [table]: [{ DeleteRequest: { Key: key(fresh()) } }] } })),
    db.send(new DeleteCommand({ TableName: table, Key: key(fresh()) })),
    db.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: table, Item: key(fresh()) } }] })),
  ]);
}

let contended: Awaited<ReturnType<typeof storeWith>>;
let slowWrites: Awaited<ReturnType<typeof storeWith>>;
let baseline: Awaited<ReturnType<typeof storeWith>>;

beforeAll(async () => {
  await local.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  await warmUp(local);
  // Holds of 120 ms: a request sent once the store reports the hold must reach it inside the hold, and at a
  // load average of 9 on two cores 60 ms was not always enough.
  [contended, slowWrites, baseline] = await Promise.all([
    storeWith({ transactMs: 120, itemMs: 10 }),
    // Plain writes that outlast a transaction, to have one in flight when a transaction arrives.
    storeWith({ transactMs: 30, itemMs: 120 }),
    storeWith({ transactMs: 60, itemMs: 30, conflicts: false }),
  ]);
});

beforeEach(() => {
  for (const store of stores) store.resetStats();
});

afterAll(async () => {
  await Promise.all(stores.map((store) => store.stop()));
  await local.send(new DeleteTableCommand({ TableName: table }));
  for (const client of clients) client.destroy();
});

describe('service store: transactions naming the same item', () => {
  it('lets exactly one of two concurrent transactions commit and cancels the other with TransactionConflict on the shared item', async () => {
    const { store, db } = contended;
    const counter = key(fresh());
    await local.send(new PutCommand({ TableName: table, Item: { ...counter, n: 0 } }));
    const extras = [key(fresh()), key(fresh())];
    const transaction = (extra: Record<string, string>) =>
      db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: table,
                Key: counter,
                UpdateExpression: 'ADD n :one',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
            { Put: { TableName: table, Item: extra } },
          ],
        }),
      );

    const outcomes = await Promise.allSettled(extras.map(transaction));

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const loser = outcomes.findIndex((o) => o.status === 'rejected');
    const error = (outcomes[loser] as PromiseRejectedResult).reason as TransactionCanceledException;
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(error.name).toBe('TransactionCanceledException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None]',
    );
    expect(error.CancellationReasons).toEqual([
      { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
      { Code: 'None' },
    ]);
    const { Item } = await local.send(new GetCommand({ TableName: table, Key: counter }));
    expect(Item?.n).toBe(1);
    const loserExtra = await local.send(new GetCommand({ TableName: table, Key: extras[loser] }));
    expect(loserExtra.Item).toBeUndefined();
    expect(store.stats().transactionConflicts).toBe(1);
  });

  it('marks TransactionConflict only at the positions of held items, for every action type', async () => {
    const { store, db } = contended;
    const held = fresh();
    const holder = db.send(
      new TransactWriteCommand({
        TransactItems: [{ Put: { TableName: table, Item: { ...key(held), payload: 'holder' } } }],
      }),
    );
    await until(() => store.stats().maxHeldItems === 1, 'the holder holds its item');

    const error = await rejection(
      db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: table,
                Key: key(fresh()),
                UpdateExpression: 'SET v = :v',
                ExpressionAttributeValues: { ':v': 1 },
              },
            },
            // The key attributes in the other order: still the item the holder's Put names.
            {
              ConditionCheck: {
                TableName: table,
                Key: { sk: 'item', pk: held },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            { Delete: { TableName: table, Key: key(fresh()) } },
          ],
        }),
      ),
    );

    expect(reasonsOf(error)).toEqual([
      { Code: 'None' },
      { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
      { Code: 'None' },
    ]);
    expect((error as Error).message).toBe(
      'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict, None]',
    );
    await holder;
    const { Item } = await local.send(new GetCommand({ TableName: table, Key: key(held) }));
    expect(Item?.payload).toBe('holder');
  });

  it("answers a conflict in the service's wire shape", async () => {
    const { store, db } = contended;
    const held = key(fresh());
    const holder = db.send(
      new TransactWriteCommand({ TransactItems: [{ Put: { TableName: table, Item: held } }] }),
    );
    await until(() => store.stats().maxHeldItems === 1, 'the holder holds its item');

    const answer = await raw(store.endpoint, 'DynamoDB_20120810.TransactWriteItems', {
      TransactItems: [
        { Put: { TableName: table, Item: { pk: { S: fresh() }, sk: { S: 'item' } } } },
        { Delete: { TableName: table, Key: { pk: { S: held.pk }, sk: { S: 'item' } } } },
      ],
    });

    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(answer.headers['x-amzn-errortype']).toBe('TransactionCanceledException');
    expect(answer.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(answer.body)).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
      message:
        'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]',
      CancellationReasons: [
        { Code: 'None' },
        { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
      ],
    });
    await holder;
  });

  it('lets concurrent transactions on different items both commit', async () => {
    const { store, db } = contended;
    const items = [key(fresh()), key(fresh()), key(fresh()), key(fresh())];
    const transaction = (a: Record<string, string>, b: Record<string, string>) =>
      db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { ...a, v: 1 } } },
            {
              Update: {
                TableName: table,
                Key: b,
                UpdateExpression: 'SET v = :v',
                ExpressionAttributeValues: { ':v': 1 },
              },
            },
          ],
        }),
      );

    await Promise.all([transaction(items[0]!, items[1]!), transaction(items[2]!, items[3]!)]);

    for (const item of items) {
      const { Item } = await local.send(new GetCommand({ TableName: table, Key: item }));
      expect(Item?.v).toBe(1);
    }
    expect(store.stats()).toMatchObject({ transactionConflicts: 0, maxHeldItems: 4 });
  });

  it('answers a cancelled transaction after cancelMs, while the holder takes transactMs', async () => {
    const { store, db } = await storeWith({ transactMs: 150, cancelMs: 5 });
    store.resetStats();
    const item = key(fresh());
    const write = () =>
      db.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: table, Item: item } }] }));
    const holder = timed(write());
    const holderDone = holder.then(() => performance.now());
    await until(() => store.stats().maxHeldItems === 1, 'the holder holds its item');

    const cancelled = await rejection(write());
    const cancelledDone = performance.now();

    expect(codesOf(cancelled)).toEqual(['TransactionConflict']);
    // Sent after the holder's 150 ms began, so answering first means it did not wait transactMs.
    expect(cancelledDone).toBeLessThan(await holderDone);
    expect((await holder).ms).toBeGreaterThanOrEqual(150);
  });
});

describe('service store: plain writes', () => {
  it('rejects PutItem, UpdateItem and DeleteItem on an item a transaction holds with TransactionConflictException', async () => {
    const { store, db } = contended;
    const item = key(fresh());
    const holder = db.send(
      new TransactWriteCommand({
        TransactItems: [{ Put: { TableName: table, Item: { ...item, by: 'transaction' } } }],
      }),
    );
    await until(() => store.stats().maxHeldItems === 1, 'the transaction holds its item');

    const errors = await Promise.all([
      rejection(db.send(new PutCommand({ TableName: table, Item: { ...item, by: 'put' } }))),
      rejection(
        db.send(
          new UpdateCommand({
            TableName: table,
            Key: item,
            UpdateExpression: 'SET #by = :by',
            ExpressionAttributeNames: { '#by': 'by' },
            ExpressionAttributeValues: { ':by': 'update' },
          }),
        ),
      ),
      rejection(db.send(new DeleteCommand({ TableName: table, Key: item }))),
    ]);

    for (const error of errors) {
      expect(error).toBeInstanceOf(TransactionConflictException);
      expect((error as TransactionConflictException).message).toBe('Transaction is ongoing for the item');
      expect((error as TransactionConflictException).$metadata.httpStatusCode).toBe(400);
    }
    await holder;
    const { Item } = await local.send(new GetCommand({ TableName: table, Key: item }));
    expect(Item?.by).toBe('transaction');
    expect(store.stats().itemConflicts).toBe(3);
  });

  it('does not cancel a transaction because a plain write to its item is in flight', async () => {
    const { store, db } = slowWrites;
    const item = key(fresh());
    const put = db.send(new PutCommand({ TableName: table, Item: { ...item, put: true } }));
    await until(() => store.stats().requests.PutItem === 1, 'the PutItem is in flight');

    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: table,
              Key: item,
              UpdateExpression: 'SET tx = :t',
              ExpressionAttributeValues: { ':t': true },
            },
          },
        ],
      }),
    );
    await put;

    expect(store.stats()).toMatchObject({ transactionConflicts: 0, itemConflicts: 0 });
  });

  it('returns BatchWriteItem writes on held items in UnprocessedItems and writes the rest', async () => {
    const { store, db } = contended;
    const held = key(fresh());
    const free = key(fresh());
    const holder = db.send(
      new TransactWriteCommand({
        TransactItems: [{ Put: { TableName: table, Item: { ...held, by: 'transaction' } } }],
      }),
    );
    await until(() => store.stats().maxHeldItems === 1, 'the transaction holds its item');

    const [partly, wholly] = await Promise.all([
      db.send(
        new BatchWriteCommand({
          RequestItems: {
            [table]: [
              { PutRequest: { Item: { ...held, by: 'batch' } } },
              { PutRequest: { Item: { ...free, by: 'batch' } } },
            ],
          },
        }),
      ),
      db.send(new BatchWriteCommand({ RequestItems: { [table]: [{ DeleteRequest: { Key: held } }] } })),
    ]);

    expect(partly.UnprocessedItems).toEqual({
      [table]: [{ PutRequest: { Item: { ...held, by: 'batch' } } }],
    });
    expect(wholly.UnprocessedItems).toEqual({ [table]: [{ DeleteRequest: { Key: held } }] });
    await holder;
    expect((await local.send(new GetCommand({ TableName: table, Key: free }))).Item?.by).toBe('batch');
    expect((await local.send(new GetCommand({ TableName: table, Key: held }))).Item?.by).toBe('transaction');
    expect(store.stats().itemConflicts).toBe(2);
  });
});

describe('service store: reads', () => {
  it('serves GetItem, BatchGetItem and Query the committed value while a transaction holds the item, and the new value after', async () => {
    const { store, db } = contended;
    const item = key(fresh());
    await local.send(new PutCommand({ TableName: table, Item: { ...item, v: 'old' } }));
    const holder = db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: table,
              Key: item,
              UpdateExpression: 'SET v = :v',
              ExpressionAttributeValues: { ':v': 'new' },
            },
          },
        ],
      }),
    );
    await until(() => store.stats().maxHeldItems === 1, 'the transaction holds its item');

    let committed = false;
    void holder.then(() => {
      committed = true;
    });
    const [get, consistent, batch, query] = await Promise.all([
      db.send(new GetCommand({ TableName: table, Key: item })),
      db.send(new GetCommand({ TableName: table, Key: item, ConsistentRead: true })),
      db.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: [item] } } })),
      db.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': item.pk },
        }),
      ),
    ]);
    expect(committed, 'the reads were answered while the transaction was in flight').toBe(false);
    await holder;
    const after = await db.send(new GetCommand({ TableName: table, Key: item }));

    expect(get.Item?.v).toBe('old');
    expect(consistent.Item?.v).toBe('old');
    expect(batch.Responses?.[table]?.[0]?.v).toBe('old');
    expect(query.Items?.[0]?.v).toBe('old');
    expect(after.Item?.v).toBe('new');
    expect(store.stats()).toMatchObject({
      transactionConflicts: 0,
      itemConflicts: 0,
      transactGetConflicts: 0,
    });
  });

  it('cancels a TransactGetItems naming an item a transaction holds, with TransactionConflict on that item only', async () => {
    const { store, db } = contended;
    const held = key(fresh());
    const holder = db.send(
      new TransactWriteCommand({ TransactItems: [{ Put: { TableName: table, Item: held } }] }),
    );
    await until(() => store.stats().maxHeldItems === 1, 'the transaction holds its item');

    const error = await rejection(
      db.send(
        new TransactGetCommand({
          TransactItems: [
            { Get: { TableName: table, Key: held } },
            { Get: { TableName: table, Key: key(fresh()) } },
          ],
        }),
      ),
    );

    expect(codesOf(error)).toEqual(['TransactionConflict', 'None']);
    expect(store.stats().transactGetConflicts).toBe(1);
    await holder;
    const read = await db.send(
      new TransactGetCommand({ TransactItems: [{ Get: { TableName: table, Key: held } }] }),
    );
    expect(read.Responses?.[0]?.Item).toEqual(held);
  });

  it('cancels a TransactGetItems naming an item a PutItem or a BatchWriteItem is writing', async () => {
    const { store, db } = slowWrites;
    const [put, batched, other] = [key(fresh()), key(fresh()), key(fresh())];
    const get = (...keys: Record<string, string>[]) =>
      db.send(
        new TransactGetCommand({ TransactItems: keys.map((k) => ({ Get: { TableName: table, Key: k } })) }),
      );

    const putting = db.send(new PutCommand({ TableName: table, Item: put }));
    await until(() => store.stats().requests.PutItem === 1, 'the PutItem is in flight');
    const duringPut = await rejection(get(other, put));
    await putting;
    const batching = db.send(
      new BatchWriteCommand({ RequestItems: { [table]: [{ PutRequest: { Item: batched } }] } }),
    );
    await until(() => store.stats().requests.BatchWriteItem === 1, 'the BatchWriteItem is in flight');
    const duringBatch = await rejection(get(batched));
    await batching;

    expect(codesOf(duringPut)).toEqual(['None', 'TransactionConflict']);
    expect(codesOf(duringBatch)).toEqual(['TransactionConflict']);
    expect(store.stats().transactGetConflicts).toBe(2);
  });

  it('cancels a TransactGetItems when a write to one of its items starts while it is in flight, and lets the write through', async () => {
    const { store, db } = contended;
    const [written, untouched] = [key(fresh()), key(fresh())];
    const reading = rejection(
      db.send(
        new TransactGetCommand({
          TransactItems: [
            { Get: { TableName: table, Key: written } },
            { Get: { TableName: table, Key: untouched } },
          ],
        }),
      ),
    );
    await until(() => store.stats().requests.TransactGetItems === 1, 'the TransactGetItems is in flight');

    await db.send(new PutCommand({ TableName: table, Item: written }));

    expect(codesOf(await reading)).toEqual(['TransactionConflict', 'None']);
    expect(store.stats()).toMatchObject({ transactGetConflicts: 1, itemConflicts: 0 });
  });
});

describe('service store: service times', () => {
  it('with conflicts off, lets overlapping transactions and writes through and still takes the service times', async () => {
    const { store, db } = baseline;
    const item = key(fresh());
    await local.send(new PutCommand({ TableName: table, Item: { ...item, n: 0 } }));
    const increment = () =>
      timed(
        db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: table,
                  Key: item,
                  UpdateExpression: 'ADD n :one',
                  ExpressionAttributeValues: { ':one': 1 },
                },
              },
            ],
          }),
        ),
      );

    const first = increment();
    // Overlapping in the store, but 20 ms apart at DynamoDB Local, which may report a conflict of its own.
    await sleep(20);
    const [second, put, get] = await Promise.all([
      increment(),
      timed(db.send(new PutCommand({ TableName: table, Item: key(fresh()) }))),
      timed(db.send(new GetCommand({ TableName: table, Key: item }))),
    ]);
    const firstDone = await first;

    expect(firstDone.ms).toBeGreaterThanOrEqual(60);
    expect(second.ms).toBeGreaterThanOrEqual(60);
    expect(put.ms).toBeGreaterThanOrEqual(30);
    expect(get.ms).toBeGreaterThanOrEqual(30);
    const { Item } = await local.send(new GetCommand({ TableName: table, Key: item }));
    expect(Item?.n).toBe(2);
    expect(store.stats()).toMatchObject({
      transactionConflicts: 0,
      itemConflicts: 0,
      transactGetConflicts: 0,
      maxHeldItems: 0,
    });
  });

  it('passes control-plane and DynamoDB Streams calls straight through, with no service time', async () => {
    const { store, db } = await storeWith({ transactMs: 2000, itemMs: 2000 }, false);
    store.resetStats();
    const streams = { target: 'DynamoDBStreams_20120810.ListStreams', payload: { TableName: table } };

    const described = await timed(db.send(new DescribeTableCommand({ TableName: table })));
    const list = await timed(db.send(new ListTablesCommand({})));
    const viaStore = await timed(raw(store.endpoint, streams.target, streams.payload));
    const direct = await raw(dynamoEndpoint, streams.target, streams.payload);

    expect(described.value.Table?.KeySchema?.map((k) => k.AttributeName)).toEqual(['pk', 'sk']);
    expect(list.value.TableNames).toContain(table);
    expect(viaStore.value.status).toBe(direct.status);
    expect(viaStore.value.body).toBe(direct.body);
    for (const call of [described, list, viaStore]) expect(call.ms).toBeLessThan(1000);
    expect(store.stats().requests).toEqual({
      DescribeTable: 1,
      ListTables: 1,
      'DynamoDBStreams_20120810.ListStreams': 1,
    });
  });
});

describe('service store: relaying DynamoDB Local', () => {
  it("relays DynamoDB Local's conditional failures unchanged", async () => {
    const { db, store } = contended;
    const item = key(fresh());
    await local.send(new PutCommand({ TableName: table, Item: { ...item, v: 'stored' } }));

    const cancelled = await rejection(
      db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: table,
                Key: item,
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            { Put: { TableName: table, Item: key(fresh()) } },
          ],
        }),
      ),
    );
    const failedPut = await rejection(
      db.send(
        new PutCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
      ),
    );
    const wire = {
      target: 'DynamoDB_20120810.PutItem',
      payload: {
        TableName: table,
        Item: { pk: { S: item.pk }, sk: { S: item.sk } },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    const viaStore = await raw(store.endpoint, wire.target, wire.payload);
    const direct = await raw(dynamoEndpoint, wire.target, wire.payload);

    expect(codesOf(cancelled)).toEqual(['ConditionalCheckFailed', 'None']);
    expect(reasonsOf(cancelled)?.[0]?.Item).toEqual({
      pk: { S: item.pk },
      sk: { S: 'item' },
      v: { S: 'stored' },
    });
    expect(failedPut).toBeInstanceOf(ConditionalCheckFailedException);
    expect(viaStore.status).toBe(400);
    expect(viaStore.status).toBe(direct.status);
    expect(viaStore.body).toBe(direct.body);
    expect(viaStore.headers['x-amz-crc32']).toBe(direct.headers['x-amz-crc32']);
    expect(store.stats().transactionConflicts).toBe(0);
  });

  it('keeps ClientRequestToken idempotency, and refuses a token already in flight', async () => {
    const { db } = contended;
    const item = key(fresh());
    const token = randomUUID();
    await local.send(new PutCommand({ TableName: table, Item: { ...item, n: 0 } }));
    const increment = () =>
      db.send(
        new TransactWriteCommand({
          ClientRequestToken: token,
          TransactItems: [
            {
              Update: {
                TableName: table,
                Key: item,
                UpdateExpression: 'ADD n :one',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
          ],
        }),
      );

    const [first, duplicate] = await Promise.allSettled([increment(), increment()]);
    await increment();

    expect(first.status).toBe('fulfilled');
    expect(duplicate.status).toBe('rejected');
    expect((duplicate as PromiseRejectedResult).reason).toBeInstanceOf(TransactionInProgressException);
    const { Item } = await local.send(new GetCommand({ TableName: table, Key: item }));
    expect(Item?.n).toBe(1);
  });
});

describe('service store: robustness', () => {
  it('listens on 127.0.0.1 only', async () => {
    const { store } = contended;
    const port = Number(new URL(store.endpoint).port);
    const elsewhere = Object.values(networkInterfaces())
      .flat()
      .filter((nic) => nic && !nic.internal)
      .map((nic) => nic!.address);
    const refused = (host: string) =>
      new Promise<string>((resolve) => {
        const socket = connect({ host, port });
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });

    expect(new URL(store.endpoint).hostname).toBe('127.0.0.1');
    for (const host of ['::1', ...elsewhere]) expect(await refused(host), host).not.toBe('connected');
  });

  it('keeps serving, and releases the items, when a client hangs up on a held transaction', async () => {
    const { store, db } = contended;
    const item = key(fresh());

    const hungUp = await rejection(
      raw(
        store.endpoint,
        'DynamoDB_20120810.TransactWriteItems',
        { TransactItems: [{ Put: { TableName: table, Item: { pk: { S: item.pk }, sk: { S: 'item' } } } }] },
        (hangUp) => {
          void until(() => store.stats().maxHeldItems === 1, 'the transaction holds its item').then(hangUp);
        },
      ),
    );
    // The service commits a transaction it accepted even when the caller is gone.
    await until(
      async () => (await local.send(new GetCommand({ TableName: table, Key: item }))).Item !== undefined,
      'the transaction is committed',
    );
    await until(() => {
      store.resetStats();
      return store.stats().maxHeldItems === 0;
    }, 'the store holds no item');
    await db.send(new TransactWriteCommand({ TransactItems: [{ Delete: { TableName: table, Key: item } }] }));

    expect(hungUp).toBeInstanceOf(Error);
    expect(store.stats()).toMatchObject({ transactionConflicts: 0, requests: { TransactWriteItems: 1 } });
  });

  it('releases the items when DynamoDB Local cannot be reached', async () => {
    const store = await startServiceStore({ target: `http://127.0.0.1:${await freePort()}`, transactMs: 5 });
    stores.push(store);
    const db = clientFor(store.endpoint);
    const write = () =>
      db.send(
        new TransactWriteCommand({ TransactItems: [{ Delete: { TableName: table, Key: key('same') } }] }),
      );

    const errors = [await rejection(write()), await rejection(write())];

    for (const error of errors) expect(error).toBeInstanceOf(InternalServerError);
    expect(store.stats()).toMatchObject({ transactionConflicts: 0, maxHeldItems: 1 });
  });
});
