import { beforeAll, describe, expect, inject, it } from 'vitest';
import { budgetsRoute } from '../../../functions/billing/routes';
import { answerTo, issuedCredentialOf, problemOf } from '../../support/answers';
import { createTestGateway, type TestGateway } from '../../support/gateway';

let gw: TestGateway;
let admin: string;
let finance: string;

const AN = '001099012345';

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'));
  admin = await gw.adminToken();
  const issued = await gw.call(admin, 'POST', '/admin/agencies/ag_platform/credentials', {
    scopes: ['billing:read'],
  });
  const { clientId, clientSecret } = await issuedCredentialOf(issued);
  finance = await gw.token(clientId, clientSecret);
  await gw.call(admin, 'POST', '/admin/plans', {
    code: 'CAP',
    name: 'Gói có trần ngân sách',
    rateLimit: { perSecond: 100, burst: 100 },
    monthlyQuota: 1_000,
    includedCalls: 0,
    monthlyFeeVnd: 0,
    unitPricesVnd: { 'citizen:read': 500 },
  });
});

async function cappedAgency(code: string, enforce: boolean) {
  const a = await gw.agencyWithCredential({
    code,
    entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
    scopes: ['citizen:read'],
  });
  await gw.call(admin, 'PUT', `/admin/agencies/${a.agencyId}/plan`, { planCode: 'CAP' });
  const set = await gw.call(admin, 'PUT', `/admin/agencies/${a.agencyId}/budget`, { capVnd: 1_000, enforce });
  expect(set.status).toBe(200);
  return { ...a, token: await gw.token(a.clientId, a.clientSecret) };
}

const lookup = (token: string) =>
  gw.call(token, 'GET', `/v1/citizens/${AN}`, undefined, { 'X-Purpose': '1.001' });

describe('budget caps', () => {
  it('refuses calls with 402 once an enforced cap is reached (VAT included), counting nothing more', async () => {
    const a = await cappedAgency('CAP-ON', true);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await lookup(a.token)).status);
    // 550 VND after one call, 1,100 after two: the third finds the cap of 1,000 reached.
    expect(statuses).toEqual([200, 200, 402, 402]);
    const refused = await lookup(a.token);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect((await problemOf(refused, 402)).detail).toContain('budget cap of 1000 VND');
    expect((await gw.counters(a.agencyId))[0]?.calls).toBe(2);
  });

  it('shows finance month-to-date spend against each cap, enforced or not', async () => {
    const watched = await cappedAgency('CAP-WATCH', false);
    for (let i = 0; i < 3; i++) expect((await lookup(watched.token)).status).toBe(200);
    const period = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 7);
    const response = await gw.call(finance, 'GET', `/billing/budgets/${period}`);
    const { items } = await answerTo(response, budgetsRoute);
    expect(items.find((i) => i.agencyId === watched.agencyId)).toMatchObject({
      capVnd: 1_000,
      enforce: false,
      spentVnd: 1_650,
      remainingVnd: 0,
      reached: true,
    });
  });

  it('lifts the cap from the next call when an admin removes it', async () => {
    const a = await cappedAgency('CAP-LIFT', true);
    await lookup(a.token);
    await lookup(a.token);
    expect((await lookup(a.token)).status).toBe(402);
    await gw.call(admin, 'PUT', `/admin/agencies/${a.agencyId}/budget`, { capVnd: null });
    const fresh = await gw.token(a.clientId, a.clientSecret);
    expect((await lookup(fresh)).status).toBe(200);
  });
});
