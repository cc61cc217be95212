import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { usageRoute } from '../../../functions/billing/routes';
import { answerTo, issuedCredentialOf, problemOf, wholeAnswerTo } from '../../support/answers';
import { createTestGateway, type TestGateway } from '../../support/gateway';

let gw: TestGateway;
let finance: string;
let agencyId: string;

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'));
  const admin = await gw.adminToken();
  const issued = await gw.call(admin, 'POST', '/admin/agencies/ag_platform/credentials', {
    scopes: ['billing:read'],
  });
  const { clientId, clientSecret } = await issuedCredentialOf(issued);
  finance = await gw.token(clientId, clientSecret);

  const a = await gw.agencyWithCredential({
    code: 'USAGE-1',
    entitlements: [
      { operation: 'citizen:read', purposes: ['1.001', '1.002'] },
      { operation: 'business:read', purposes: ['2.001'] },
    ],
    scopes: ['citizen:read', 'business:read'],
  });
  agencyId = a.agencyId;
  const policyVersion = (await gw.deps.control.getAgency(agencyId))!.policyVersion;
  const commit = (at: string, operation: 'citizen:read' | 'business:read', purpose: string, status = 200) =>
    gw.commit({
      requestId: randomUUID(),
      at: new Date(at),
      clientId: a.clientId,
      agencyId,
      policyVersion,
      limits: { plan: 'NONE', planVersion: 0, monthlyQuota: 1000, ratePerSecond: 1000, burst: 1000 },
      operation,
      purpose,
      fingerprint: 'f',
      status,
    });
  await commit('2026-10-31T16:59:59Z', 'citizen:read', '1.001'); // 31/10 23:59:59 +07
  await commit('2026-10-31T17:00:00Z', 'citizen:read', '1.001'); // 01/11 00:00:00 +07
  await commit('2026-11-01T02:00:00Z', 'citizen:read', '1.002');
  await commit('2026-11-15T02:00:00Z', 'business:read', '2.001');
  await commit('2026-11-15T03:00:00Z', 'business:read', '2.001', 404);
  // The daily and per-purpose breakdown is aggregated as the sealer appends the calls' audit records.
  await gw.seal();
});

describe('billing usage', () => {
  it('sums a month from the same counters the quota uses, by operation and purpose', async () => {
    const response = await gw.call(
      finance,
      'GET',
      `/billing/usage?agency=${agencyId}&from=2026-11&to=2026-11`,
    );
    const { items } = await wholeAnswerTo(response, usageRoute);
    expect(items).toEqual([
      {
        agencyId,
        period: '2026-11',
        calls: 4,
        billable: 3,
        operations: { 'citizen:read': { calls: 2, billable: 2 }, 'business:read': { calls: 2, billable: 1 } },
        purposes: { 'citizen:read': { '1.001': 1, '1.002': 1 }, 'business:read': { '2.001': 2 } },
      },
    ]);
  });

  it('splits days at midnight Asia/Ho_Chi_Minh', async () => {
    const response = await gw.call(
      finance,
      'GET',
      `/billing/usage?agency=${agencyId}&from=2026-10-31&to=2026-11-01&granularity=day`,
    );
    const { items } = await answerTo(response, usageRoute);
    expect(items.map((i) => [i.day, i.calls])).toEqual([
      ['2026-10-31', 1],
      ['2026-11-01', 2],
    ]);
  });

  it('refuses an agency token and a reversed range', async () => {
    expect((await gw.call(finance, 'GET', '/billing/usage?from=2026-12&to=2026-11')).status).toBe(400);
    const admin = await gw.adminToken();
    expect((await gw.call(admin, 'GET', '/billing/usage')).status).toBe(403);
  });

  it('refuses a range before 1970 or longer than 240 months with 400, rather than answering part of it', async () => {
    for (const [query, detail] of [
      ['from=1969-12&to=2026-11', 'from: a day or month is from 1970 on'],
      ['from=2000-01&to=2026-11', 'spans 323 months; ask for at most 240'],
      ['from=1970-01-01&to=9999-12-31&granularity=day', 'spans 96360 months'],
    ] as const) {
      const response = await gw.call(finance, 'GET', `/billing/usage?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect((await problemOf(response, 400)).detail, query).toContain(detail);
    }
    expect((await gw.call(finance, 'GET', '/billing/usage?from=2006-12&to=2026-11')).status).toBe(200);
  });
});
