import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ServiceStore, startServiceStore } from '../../../local/service-store';
import { controlKeys } from '../../../shared/storage/keys/control';
import { createTestGateway, type TestGateway } from '../../support/gateway';

/**
 * One agency's concurrent calls through a store that cancels transactions the way the DynamoDB service does
 * (local/service-store.ts) and answers in the service's time (TransactWriteItems 25 ms, other calls 7 ms).
 * DynamoDB Local alone would hide every conflict.
 */
let store: ServiceStore;
let gw: TestGateway;

const AN = '001099012345';
const CLIENTS = 32;
const CALLS_PER_CLIENT = 4;

beforeAll(async () => {
  store = await startServiceStore({ target: inject('dynamoEndpoint'), transactMs: 25, itemMs: 7 });
  gw = await createTestGateway(store.endpoint);
});

afterAll(async () => {
  await store.stop();
});

/** An agency on a plan of `perSecond` calls a second (its lanes follow that rate), with a token. */
async function agencyOnPlan(code: string, plan: { perSecond: number; quota: number }) {
  const a = await gw.agencyWithCredential({
    code,
    entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
    scopes: ['citizen:read'],
  });
  await gw.plan(code, {
    perSecond: plan.perSecond,
    burst: Math.max(plan.perSecond, 10_000),
    quota: plan.quota,
    unitPricesVnd: { 'citizen:read': 100 },
    agencies: [a.agencyId],
  });
  return { ...a, token: await gw.token(a.clientId, a.clientSecret) };
}

/** `clients` callers, each making `calls` lookups back to back; every status in the order answered. */
async function hammer(token: string, clients: number, calls: number): Promise<number[]> {
  const statuses: number[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = 0; i < calls; i++) {
        const response = await gw.call(token, 'GET', `/v1/citizens/${AN}`, undefined, {
          'X-Purpose': '1.001',
        });
        statuses.push(response.status);
        await response.arrayBuffer();
      }
    }),
  );
  return statuses;
}

function tally(statuses: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const status of statuses) out[status] = (out[status] ?? 0) + 1;
  return out;
}

describe("one agency's concurrent calls on a store with the service's conflict rules", () => {
  it('serves every call of many concurrent clients, with no 503, and counts each exactly once', async () => {
    const a = await agencyOnPlan('CONC-2000', { perSecond: 2_000, quota: 1_000_000 });
    store.resetStats();
    const statuses = await hammer(a.token, CLIENTS, CALLS_PER_CLIENT);
    expect(tally(statuses)).toEqual({ 200: CLIENTS * CALLS_PER_CLIENT });
    const [counters] = await gw.counters(a.agencyId);
    expect(counters?.calls).toBe(CLIENTS * CALLS_PER_CLIENT);
    expect(counters?.billable).toBe(CLIENTS * CALLS_PER_CLIENT);
    const { treeSize } = await gw.seal();
    expect(treeSize).toBeGreaterThanOrEqual(CLIENTS * CALLS_PER_CLIENT);
    // The calls spread over the agency's 500 lanes, so the store rarely had to cancel one: a call meets one of
    // the other 31 in flight on its lane about 6% of the time (1 - (499/500)^31), so ~8 of 128 are expected, and
    // 20% (26) is beyond any chance spread of that. The one-lane shape below cancels more attempts than it serves.
    expect(store.stats().transactionConflicts).toBeLessThan(CLIENTS * CALLS_PER_CLIENT * 0.2);
  });

  it('cancels transaction after transaction when every call of the agency writes the same items (one lane)', async () => {
    // One lane: the shape of the old ledger, one month counter and one rate window that every call bumps. (The
    // admin API never gives an agency fewer than 4 lanes, so the lane count is set on the agency directly.)
    const a = await agencyOnPlan('CONC-1', { perSecond: 1, quota: 1_000_000 });
    await gw.deps.store.send(
      new UpdateCommand({
        TableName: gw.deps.tables.control,
        Key: controlKeys.agency(a.agencyId),
        UpdateExpression: 'SET ledgerLanes = :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
    a.token = await gw.token(a.clientId, a.clientSecret);
    store.resetStats();
    const statuses = await hammer(a.token, CLIENTS, 2);
    // The store is faithful: it cancelled more transactions than there were calls.
    expect(store.stats().transactionConflicts).toBeGreaterThan(statuses.length);
  });

  it('serves exactly the remaining quota to many more concurrent calls than it has, refusing the rest with 429', async () => {
    const a = await agencyOnPlan('CONC-Q30', { perSecond: 2_000, quota: 30 });
    const statuses = await hammer(a.token, 60, 2);
    expect(tally(statuses)).toEqual({ 200: 30, 429: 90 });
    expect((await gw.counters(a.agencyId))[0]?.calls).toBe(30);
  });
});
