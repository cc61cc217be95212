import {
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../functions/registry/app';
import { demoCitizens, registryKeys } from '../../../shared/registry/model';
import { unitDeps } from '../../support/deps';

const deps = unitDeps();
const store = mockClient(deps.store);
const app = createApp(deps);
const citizen = demoCitizens[0]!;
let token: string;

beforeAll(async () => {
  token = (
    await deps.tokens.issue({
      clientId: 'ndgc_test',
      agencyId: 'ag_test',
      scopes: ['citizen:read'],
      policyVersion: 1,
      entitlements: { 'citizen:read': { p: ['1.001'] } },
      limits: { plan: 'NONE', v: 0, q: 100, r: 10, b: 20 },
    })
  ).token;
});
afterEach(() => store.reset());

function recordIsThere() {
  store.on(BatchGetCommand).resolves({
    Responses: {
      [deps.tables.registry]: [{ ...registryKeys.citizen(citizen.nationalId), ...citizen }],
      [deps.tables.ledger]: [],
    },
  });
}

const lookup = () =>
  app.request(`/v1/citizens/${citizen.nationalId}`, {
    headers: { Authorization: `Bearer ${token}`, 'X-Purpose': '1.001' },
  });

const faults: [string, () => unknown][] = [
  ['throttling', () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} })],
  ['a timeout', () => Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })],
  [
    'a 500 from the store',
    () => Object.assign(new Error('internal'), { name: 'InternalServerError', $fault: 'server' }),
  ],
  [
    'cancelled transactions that keep conflicting',
    () =>
      new TransactionCanceledException({
        message: 'conflict',
        $metadata: {},
        CancellationReasons: [
          { Code: 'None' },
          { Code: 'None' },
          { Code: 'TransactionConflict' },
          { Code: 'None' },
          { Code: 'None' },
        ],
      }),
  ],
];

describe('brokered call, fail closed', () => {
  for (const [name, fault] of faults) {
    it(`answers 503 with Retry-After and no registry data when the ledger write fails with ${name}`, async () => {
      recordIsThere();
      store.on(TransactWriteCommand).callsFake(() => {
        throw fault();
      });
      const response = await lookup();
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      const text = await response.text();
      expect(text).not.toContain(citizen.fullName);
      expect(text).not.toContain(citizen.dateOfBirth);
      expect(deps.logs.text()).toContain('ledger write failed');
    });
  }

  it('serves the record only after the ledger write, in exactly two store round trips', async () => {
    recordIsThere();
    store.on(TransactWriteCommand).resolves({});
    const response = await lookup();
    expect(response.status).toBe(200);
    expect(store.calls().map((call) => call.args[0].constructor.name)).toEqual([
      'BatchGetCommand',
      'TransactWriteCommand',
    ]);
    const transaction = store.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(transaction.map((item) => Object.keys(item)[0])).toEqual([
      'ConditionCheck',
      'ConditionCheck',
      'Update',
      'Update',
      'Put',
    ]);
  });

  it('answers 503, not "no such citizen", when the store keeps the record read unprocessed', async () => {
    store.on(BatchGetCommand).resolves({
      Responses: { [deps.tables.ledger]: [] },
      UnprocessedKeys: { [deps.tables.registry]: { Keys: [registryKeys.citizen(citizen.nationalId)] } },
    });
    const response = await lookup();
    expect(response.status).toBe(503);
    expect(store.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('answers 503 and writes nothing when the record read fails', async () => {
    store
      .on(BatchGetCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow', $metadata: {} }));
    const response = await lookup();
    expect(response.status).toBe(503);
    expect(store.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});
