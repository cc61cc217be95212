import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { AppError } from '../../../shared/errors';
import type { MeteredCall } from '../../../shared/ledger/ledger';
import { periodOf } from '../../../shared/ledger/period';
import { createTestGateway, type TestGateway } from '../../support/gateway';

let gw: TestGateway;

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'));
});

async function agency(code: string) {
  const a = await gw.agencyWithCredential({
    code,
    entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
    scopes: ['citizen:read'],
  });
  const { agency: stored } = await gw.deps.control.getAgencyWithEntitlements(a.agencyId);
  return { ...a, policyVersion: stored!.policyVersion };
}

function call(
  a: { agencyId: string; clientId: string; policyVersion: number },
  overrides: Partial<MeteredCall> = {},
): MeteredCall {
  return {
    requestId: randomUUID(),
    at: new Date(),
    clientId: a.clientId,
    agencyId: a.agencyId,
    policyVersion: a.policyVersion,
    limits: { plan: 'NONE', planVersion: 0, monthlyQuota: 1000, ratePerSecond: 1000, burst: 1000 },
    operation: 'citizen:read',
    purpose: '1.001',
    subject: '001099012345',
    fingerprint: 'f',
    status: 200,
    ...overrides,
  };
}

const statusOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 200;
  } catch (error) {
    if (error instanceof AppError) return error.status;
    throw error;
  }
};

describe('ledger', () => {
  it('serves exactly the quota under 200 concurrent calls, and counts exactly what it served', async () => {
    const a = await agency('QUOTA-50');
    const limits = { plan: 'NONE', planVersion: 0, monthlyQuota: 50, ratePerSecond: 1000, burst: 1000 };
    const statuses = await Promise.all(
      Array.from({ length: 200 }, () => statusOf(gw.commit(call(a, { limits })))),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(50);
    expect(statuses.filter((s) => s === 429)).toHaveLength(150);
    const [counters] = await gw.counters(a.agencyId);
    expect(counters?.calls).toBe(50);
    expect(counters?.billable).toBe(50);
  });

  it('counts a retry with the same idempotency key once and reports it as a replay', async () => {
    const a = await agency('IDEM-1');
    const first = await gw.commit(call(a, { idempotencyKey: 'k-1', fingerprint: 'same' }));
    const again = await Promise.all(
      Array.from({ length: 5 }, () => gw.commit(call(a, { idempotencyKey: 'k-1', fingerprint: 'same' }))),
    );
    expect(first.outcome).toBe('committed');
    for (const r of again) expect(r.outcome).toBe('replayed');
    const [counters] = await gw.counters(a.agencyId);
    expect(counters?.calls).toBe(1);
  });

  it('refuses an idempotency key reused for a different request', async () => {
    const a = await agency('IDEM-2');
    await gw.commit(call(a, { idempotencyKey: 'k-2', fingerprint: 'citizen A' }));
    expect(await statusOf(gw.commit(call(a, { idempotencyKey: 'k-2', fingerprint: 'citizen B' })))).toBe(409);
  });

  it('refuses a revoked credential and a suspended agency on the next call, counting nothing', async () => {
    const a = await agency('REVOKE-1');
    const admin = await gw.adminToken();
    expect(await statusOf(gw.commit(call(a)))).toBe(200);
    await gw.call(admin, 'DELETE', `/admin/credentials/${a.clientId}`);
    expect(await statusOf(gw.commit(call(a)))).toBe(401);

    const b = await agency('SUSPEND-1');
    await gw.call(admin, 'PATCH', `/admin/agencies/${b.agencyId}`, { status: 'suspended' });
    expect(await statusOf(gw.commit(call(b)))).toBe(403);
    const [counters] = await gw.counters(b.agencyId);
    expect(counters).toBeUndefined();
  });

  it('refuses a token minted before an entitlement change (stale policy version)', async () => {
    const a = await agency('STALE-1');
    const admin = await gw.adminToken();
    await gw.call(admin, 'PUT', `/admin/agencies/${a.agencyId}/entitlements`, {
      entitlements: [{ operation: 'citizen:read', purposes: ['9.999'] }],
    });
    expect(await statusOf(gw.commit(call(a)))).toBe(401);
  });

  it('limits the rate per window and answers 429 with Retry-After', async () => {
    const a = await agency('RATE-1');
    const limits = { plan: 'NONE', planVersion: 0, monthlyQuota: 1000, ratePerSecond: 2, burst: 4 };
    const at = new Date(Math.floor(Date.now() / 10_000) * 10_000); // inside one 2 s window
    const results = [];
    for (let i = 0; i < 6; i++) {
      try {
        await gw.commit(call(a, { limits, at }));
        results.push(200);
      } catch (error) {
        const e = error as AppError;
        results.push(e.status);
        expect(Number(e.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
      }
    }
    expect(results).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it('cuts periods at midnight Asia/Ho_Chi_Minh: 23:59:59 and 00:00:00 on the 1st land in different months', async () => {
    const a = await agency('PERIOD-1');
    await gw.commit(call(a, { at: new Date('2026-11-30T16:59:59Z') })); // 30/11 23:59:59 +07
    await gw.commit(call(a, { at: new Date('2026-11-30T17:00:00Z') })); // 01/12 00:00:00 +07
    // Days come from the sealed audit log (the sealer aggregates them as it appends).
    await gw.seal();
    const counters = await gw.counters(a.agencyId, '2026-11', '2026-12');
    expect(counters.map((c) => [c.period, c.calls, Object.keys(c.days)])).toEqual([
      ['2026-11', 1, ['30']],
      ['2026-12', 1, ['01']],
    ]);
    expect(periodOf(new Date('2026-11-30T17:00:00Z')).period).toBe('2026-12');
  });

  it('meters a lookup of an unknown record as a call but not as billable', async () => {
    const a = await agency('NOTFOUND-1');
    await gw.commit(call(a, { status: 404 }));
    const [counters] = await gw.counters(a.agencyId);
    expect([counters?.calls, counters?.billable]).toEqual([1, 0]);
  });
});

describe('ledger edges', () => {
  it('serves nothing at a monthly quota of 0', async () => {
    const a = await agency('QUOTA-0');
    const limits = { plan: 'NONE', planVersion: 0, monthlyQuota: 0, ratePerSecond: 10, burst: 10 };
    expect(await statusOf(gw.commit(call(a, { limits })))).toBe(429);
  });

  it('rate-limits idempotent replays too, though it never counts them', async () => {
    const a = await agency('IDEM-RATE');
    const limits = { plan: 'NONE', planVersion: 0, monthlyQuota: 1000, ratePerSecond: 1, burst: 1 };
    const at = new Date(Math.floor(Date.now() / 10_000) * 10_000);
    const same = { idempotencyKey: 'k-rate', fingerprint: 'same', limits, at };
    expect(await statusOf(gw.commit(call(a, same)))).toBe(200);
    expect(await statusOf(gw.commit(call(a, same)))).toBe(429);
    expect((await gw.counters(a.agencyId))[0]?.calls).toBe(1);
  });
});

describe('the quota across a mid-month plan change', () => {
  const AN = '001099012345';
  let admin: string;

  beforeAll(async () => {
    admin = await gw.adminToken();
  });

  async function plan(code: string, perSecond: number, monthlyQuota: number) {
    const response = await gw.call(admin, 'POST', '/admin/plans', {
      code,
      name: `Gói ${code}`,
      rateLimit: { perSecond, burst: Math.max(perSecond, 1_000) },
      monthlyQuota,
      includedCalls: 0,
      monthlyFeeVnd: 0,
      unitPricesVnd: {},
    });
    expect(response.status).toBe(201);
  }

  async function onPlan(code: string, planCode: string) {
    const a = await gw.agencyWithCredential({
      code,
      entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
      scopes: ['citizen:read'],
    });
    await move(a.agencyId, planCode);
    return a;
  }

  const move = async (agencyId: string, planCode: string) =>
    expect((await gw.call(admin, 'PUT', `/admin/agencies/${agencyId}/plan`, { planCode })).status).toBe(200);

  /** `n` lookups at once with a fresh token; their statuses, sorted. */
  async function lookups(a: { clientId: string; clientSecret: string }, n: number) {
    const token = await gw.token(a.clientId, a.clientSecret);
    const statuses = await Promise.all(
      Array.from({ length: n }, async () => {
        const response = await gw.call(token, 'GET', `/v1/citizens/${AN}`, undefined, {
          'X-Purpose': '1.001',
        });
        return response.status;
      }),
    );
    return statuses.sort();
  }

  it('refuses every call once the quota is used, though the new plan spreads the agency over more lanes', async () => {
    await plan('SLOW-8', 1, 8);
    await plan('FAST-8', 100, 8);
    const a = await onPlan('LANES-GROW', 'SLOW-8');
    expect((await lookups(a, 10)).filter((s) => s === 200)).toHaveLength(8);
    await move(a.agencyId, 'FAST-8');
    expect((await gw.deps.control.getAgency(a.agencyId))?.ledgerLanes).toBe(25);
    expect(await lookups(a, 10)).toEqual(Array(10).fill(429));
    expect((await gw.counters(a.agencyId))[0]?.calls).toBe(8);
  });

  it('serves no more than a lowered quota in all, whatever lanes the earlier calls landed on', async () => {
    await plan('LOWER', 40, 1_000);
    const a = await onPlan('QUOTA-DOWN', 'LOWER');
    expect(await lookups(a, 3)).toEqual([200, 200, 200]);
    await plan('LOWER', 40, 5); // a new version of the same plan, with a quota of 5
    const after = await lookups(a, 10);
    expect(after.filter((s) => s === 200)).toHaveLength(2);
    expect((await gw.counters(a.agencyId))[0]?.calls).toBe(5);
  });

  it('serves exactly a raised quota in all', async () => {
    await plan('RAISE', 40, 6);
    const a = await onPlan('QUOTA-UP', 'RAISE');
    expect((await lookups(a, 10)).filter((s) => s === 200)).toHaveLength(6);
    await plan('RAISE', 40, 15);
    expect((await lookups(a, 20)).filter((s) => s === 200)).toHaveLength(9);
    expect((await gw.counters(a.agencyId))[0]?.calls).toBe(15);
  });
});
