import {
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type BatchGetCommandInput, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../functions/registry/app';
import { demoCitizens } from '../../../shared/registry/model';
import { controlKeys } from '../../../shared/storage/keys/control';
import { registryKeys } from '../../../shared/storage/keys/registry';
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
      limits: { plan: 'NONE', planVersion: 0, monthlyQuota: 100, ratePerSecond: 10, burst: 20 },
    })
  ).token;
});
afterEach(() => store.reset());

interface Control {
  credential?: string;
  agency?: string;
  policyVersion?: number;
}

/**
 * The first round trip as the store answers it: the credential and the agency (active, at the token's policy
 * version unless told otherwise), the record, and the lanes asked for (none written yet: every lane is
 * empty).
 */
function storeHas(control: Control = {}) {
  const { credential = 'active', agency = 'active', policyVersion = 1 } = control;
  store.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
    const responses: Record<string, Record<string, unknown>[]> = {};
    for (const table of Object.keys(input.RequestItems ?? {})) {
      if (table === deps.tables.control) {
        responses[table] = [
          { ...controlKeys.credential('ndgc_test'), clientId: 'ndgc_test', status: credential },
          { ...controlKeys.agency('ag_test'), id: 'ag_test', status: agency, policyVersion },
        ];
      } else if (table === deps.tables.registry) {
        responses[table] = [{ ...registryKeys.citizen(citizen.nationalId), ...citizen }];
      } else {
        responses[table] = [];
      }
    }
    return { Responses: responses };
  });
}

const lookup = () =>
  app.request(`/v1/citizens/${citizen.nationalId}`, {
    headers: { Authorization: `Bearer ${token}`, 'X-Purpose': '1.001' },
  });

const transactions = () => store.commandCalls(TransactWriteCommand).map((call) => call.args[0].input);
const laneOf = (items: NonNullable<ReturnType<typeof transactions>[number]['TransactItems']>, kind: string) =>
  items.map((item) => item.Update?.Key?.pk as string | undefined).find((pk) => pk?.startsWith(kind));

/** A transaction cancelled because another one held its lanes (entry Put, window lane, month lane). */
const laneConflict = () =>
  new TransactionCanceledException({
    message: 'conflict',
    $metadata: {},
    CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }, { Code: 'TransactionConflict' }],
  });

const transientFaults: [string, () => unknown][] = [
  ['throttling', () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} })],
  ['a timeout', () => Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })],
  [
    'a 500 from the store',
    () => Object.assign(new Error('internal'), { name: 'InternalServerError', $fault: 'server' }),
  ],
];

async function expectRefusalWithoutData(response: Response, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const text = await response.text();
  expect(text).not.toContain(citizen.fullName);
  expect(text).not.toContain(citizen.dateOfBirth);
  return text;
}

describe('brokered call, fail closed', () => {
  for (const [name, fault] of transientFaults) {
    it(`answers 503 with Retry-After and no registry data when the ledger write fails with ${name}, after resending the same attempt twice`, async () => {
      storeHas();
      store.on(TransactWriteCommand).callsFake(() => {
        throw fault();
      });
      const response = await lookup();
      await expectRefusalWithoutData(response, 503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(deps.logs.text()).toContain('ledger write failed');
      // The write may have landed unseen: the resends are the same attempt (same items, same client token).
      const sent = transactions();
      expect(sent).toHaveLength(3);
      expect(new Set(sent.map((t) => t.ClientRequestToken)).size).toBe(1);
      expect(sent[1]!.TransactItems).toEqual(sent[0]!.TransactItems);
      expect(sent[2]!.TransactItems).toEqual(sent[0]!.TransactItems);
    });
  }

  it('answers 503 with Retry-After and no registry data when the ledger write fails with cancelled transactions that keep conflicting, after trying other lanes', async () => {
    storeHas();
    store.on(TransactWriteCommand).callsFake(() => {
      throw laneConflict();
    });
    const response = await lookup();
    await expectRefusalWithoutData(response, 503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(deps.logs.text()).toContain('ledger write failed');
    const sent = transactions();
    expect(sent).toHaveLength(20);
    // Each attempt is a new one (its own client token), and the call moved between the agency's lanes.
    expect(new Set(sent.map((t) => t.ClientRequestToken)).size).toBe(20);
    expect(new Set(sent.map((t) => laneOf(t.TransactItems!, 'LANE#'))).size).toBeGreaterThan(1);
  });

  it('serves the call on another lane when its first lane was held by a concurrent transaction', async () => {
    storeHas();
    store.on(TransactWriteCommand).rejectsOnce(laneConflict()).resolves({});
    const response = await lookup();
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(citizen.fullName);
    const [first, second] = transactions();
    expect(transactions()).toHaveLength(2);
    expect(second!.ClientRequestToken).not.toBe(first!.ClientRequestToken);
    expect(second!.TransactItems![0]).toEqual(first!.TransactItems![0]);
    expect(laneOf(second!.TransactItems!, 'LANE#')).not.toBe(laneOf(first!.TransactItems!, 'LANE#'));
    expect(laneOf(second!.TransactItems!, 'RATE#')).not.toBe(laneOf(first!.TransactItems!, 'RATE#'));
  });

  it('serves the record only after the ledger write, in exactly two store round trips', async () => {
    storeHas();
    store.on(TransactWriteCommand).resolves({});
    const response = await lookup();
    expect(response.status).toBe(200);
    expect(store.calls().map((call) => call.args[0].constructor.name)).toEqual([
      'BatchGetCommand',
      'TransactWriteCommand',
    ]);
    // The first: liveness read consistently, the record, and two lanes each of the month and the window.
    const read = store.commandCalls(BatchGetCommand)[0]!.args[0].input.RequestItems!;
    expect(read[deps.tables.control]).toEqual({
      Keys: [controlKeys.credential('ndgc_test'), controlKeys.agency('ag_test')],
      ConsistentRead: true,
    });
    expect(read[deps.tables.registry]?.Keys).toEqual([registryKeys.citizen(citizen.nationalId)]);
    const lanes = (read[deps.tables.ledger]?.Keys ?? []).map((key) => key.pk as string);
    expect(lanes.filter((pk) => /^LANE#ag_test#\d{4}-\d{2}#[0-3]$/.test(pk))).toHaveLength(2);
    expect(lanes.filter((pk) => /^RATE#ag_test#\d+#[0-3]$/.test(pk))).toHaveLength(2);
    expect(lanes).toHaveLength(4);
    expect(read[deps.tables.ledger]?.ConsistentRead).not.toBe(true);
    // The second: the entry (also the audit record), one window lane and one month lane among those read.
    const [transaction] = transactions();
    const items = transaction!.TransactItems!;
    expect(items.map((item) => Object.keys(item)[0])).toEqual(['Put', 'Update', 'Update']);
    expect(items[0]!.Put).toMatchObject({
      TableName: deps.tables.ledger,
      Item: { pk: expect.stringMatching(/^ENTRY#ag_test#\d{4}-\d{2}#/), leafHash: expect.any(String) },
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(lanes).toContain(laneOf(items, 'RATE#'));
    expect(lanes).toContain(laneOf(items, 'LANE#'));
    expect(transaction!.ClientRequestToken).toEqual(expect.any(String));
  });

  it('refuses a revoked credential read in the first round trip with 401, sending no transaction', async () => {
    storeHas({ credential: 'revoked' });
    const response = await lookup();
    await expectRefusalWithoutData(response, 401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(store.commandCalls(BatchGetCommand)).toHaveLength(1);
    expect(transactions()).toHaveLength(0);
  });

  it('refuses a suspended agency read in the first round trip with 403, sending no transaction', async () => {
    storeHas({ agency: 'suspended' });
    const response = await lookup();
    const text = await expectRefusalWithoutData(response, 403);
    expect(text).toContain('suspended');
    expect(store.commandCalls(BatchGetCommand)).toHaveLength(1);
    expect(transactions()).toHaveLength(0);
  });

  it('refuses a token issued before the agency policy changed with 401 invalid_token, sending no transaction', async () => {
    storeHas({ policyVersion: 2 });
    const response = await lookup();
    await expectRefusalWithoutData(response, 401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(transactions()).toHaveLength(0);
  });

  it('answers 503, not "no such citizen", when the store keeps the record read unprocessed', async () => {
    store.on(BatchGetCommand).resolves({
      Responses: {
        [deps.tables.control]: [
          { ...controlKeys.credential('ndgc_test'), status: 'active' },
          { ...controlKeys.agency('ag_test'), status: 'active', policyVersion: 1 },
        ],
        [deps.tables.ledger]: [],
      },
      UnprocessedKeys: { [deps.tables.registry]: { Keys: [registryKeys.citizen(citizen.nationalId)] } },
    });
    const response = await lookup();
    await expectRefusalWithoutData(response, 503);
    expect(transactions()).toHaveLength(0);
  });

  it('answers 503, not "revoked", when the store keeps the credential and agency read unprocessed', async () => {
    store.on(BatchGetCommand).resolves({
      Responses: {
        [deps.tables.registry]: [{ ...registryKeys.citizen(citizen.nationalId), ...citizen }],
        [deps.tables.ledger]: [],
      },
      UnprocessedKeys: {
        [deps.tables.control]: {
          Keys: [controlKeys.credential('ndgc_test'), controlKeys.agency('ag_test')],
          ConsistentRead: true,
        },
      },
    });
    const response = await lookup();
    await expectRefusalWithoutData(response, 503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(transactions()).toHaveLength(0);
  });

  it('answers 503 and writes nothing when the record read fails', async () => {
    store
      .on(BatchGetCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow', $metadata: {} }));
    const response = await lookup();
    await expectRefusalWithoutData(response, 503);
    expect(transactions()).toHaveLength(0);
  });
});
