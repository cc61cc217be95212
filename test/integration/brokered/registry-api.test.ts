import { beforeAll, describe, expect, inject, it } from 'vitest';
import { auditEventsRoute } from '../../../functions/audit/routes';
import {
  getBusinessRoute,
  searchBusinessesRoute,
  verifyCitizenRoute,
} from '../../../functions/registry/routes';
import { answerTo, problemOf } from '../../support/answers';
import { createTestGateway, type TestGateway } from '../../support/gateway';

let gw: TestGateway;
let token: string;
let agencyId: string;

const AN = '001099012345';

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'));
  const a = await gw.agencyWithCredential({
    code: 'BHXH-HN',
    entitlements: [
      { operation: 'citizen:read', purposes: ['1.001'], fields: ['nationalId', 'fullName', 'dateOfBirth'] },
      { operation: 'citizen:verify', purposes: ['1.001'], fields: ['fullName', 'dateOfBirth'] },
      { operation: 'business:read', purposes: ['2.001'] },
      { operation: 'business:search', purposes: ['2.001'] },
    ],
    scopes: ['citizen:read', 'citizen:verify', 'business:read', 'business:search'],
  });
  agencyId = a.agencyId;
  token = await gw.token(a.clientId, a.clientSecret);
});

const get = (path: string, headers: Record<string, string> = { 'X-Purpose': '1.001' }) =>
  gw.call(token, 'GET', path, undefined, headers);

describe('population register', () => {
  it('answers a demo citizen with only the fields both asked for and entitled, naming the withheld ones', async () => {
    const response = await get(`/v1/citizens/${AN}?fields=fullName,permanentAddress`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      data: { nationalId: AN, fullName: 'Nguyễn Văn An' },
      withheld: ['permanentAddress'],
      purpose: '1.001',
    });
    expect(response.headers.get('x-quota-remaining')).toMatch(/^\d+$/);
    expect(response.headers.get('ratelimit-policy')).toContain('"burst";q=');
    expect(response.headers.get('ratelimit')).toContain('"month";r=');
  });

  it('refuses a purpose the agency is not entitled to use, with 403', async () => {
    const response = await get(`/v1/citizens/${AN}`, { 'X-Purpose': '9.999' });
    expect((await problemOf(response, 403)).detail).toContain('9.999');
  });

  it('requires X-Purpose (400 naming the header)', async () => {
    const response = await get(`/v1/citizens/${AN}`, {});
    expect((await problemOf(response, 400)).detail).toMatch(/X-Purpose/i);
  });

  it('answers 400 for a malformed national ID and 404 for an unknown one', async () => {
    expect((await get('/v1/citizens/12345')).status).toBe(400);
    const unknown = await get('/v1/citizens/001099999999');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    expect(unknown.headers.get('x-quota-remaining')).toMatch(/^\d+$/);
  });

  it('verifies claims without disclosing stored values, for NFC and NFD names alike', async () => {
    const verify = (body: unknown) =>
      gw.call(token, 'POST', '/v1/citizens/verify', body, { 'X-Purpose': '1.001' });
    const nfd = await verify({
      nationalId: AN,
      fullName: 'nguyễn  văn an'.normalize('NFD'),
      dateOfBirth: '1999-05-14',
    });
    expect(await nfd.json()).toEqual({
      match: true,
      fields: { fullName: true, dateOfBirth: true },
      withheld: [],
      purpose: '1.001',
    });
    const wrong = await verify({ nationalId: AN, fullName: 'Nguyen Van An', dateOfBirth: '1999-05-15' });
    // The whole answer as sent, members outside the schema included: parsing drops those.
    const sent = await wrong.clone().text();
    const body = await answerTo(wrong, verifyCitizenRoute);
    expect(body).toMatchObject({ match: false, fields: { fullName: false, dateOfBirth: false } });
    expect(sent).not.toContain('Nguyễn');
    expect(sent).not.toContain('1999-05-14');
  });

  it('answers a retry with the same Idempotency-Key again but counts it once', async () => {
    const headers = { 'X-Purpose': '1.001', 'Idempotency-Key': 'retry-me-1' };
    const before = await gw.counters(agencyId);
    const first = await get(`/v1/citizens/${AN}?fields=fullName`, headers);
    const second = await get(`/v1/citizens/${AN}?fields=fullName`, headers);
    expect(await second.json()).toEqual(await first.json());
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const after = await gw.counters(agencyId);
    expect((after[0]?.calls ?? 0) - (before[0]?.calls ?? 0)).toBe(1);
    const other = await get('/v1/citizens/048301000123?fields=fullName', headers);
    expect(other.status).toBe(409);
  });
});

describe('business register', () => {
  it('answers a demo enterprise and finds it by name without diacritics', async () => {
    const headers = { 'X-Purpose': '2.001' };
    const found = await get('/v1/businesses/0401234567', headers);
    expect((await answerTo(found, getBusinessRoute)).data.name).toBe('Công ty Cổ phần Công nghệ Sông Hàn');
    for (const name of ['song han', 'SÔNG HÀN']) {
      const search = await get(`/v1/businesses?name=${encodeURIComponent(name)}`, headers);
      const { items } = await answerTo(search, searchBusinessesRoute);
      expect(items.map((b) => b.enterpriseCode)).toContain('0401234567');
    }
    const admin = await gw.adminToken();
    const trail = await gw.call(admin, 'GET', `/audit/events?agency=${agencyId}&limit=200`);
    const { items } = await answerTo(trail, auditEventsRoute);
    expect(items.filter((e) => e.action === 'business:search').map((e) => e.target)).toEqual(
      expect.arrayContaining(['search:song han', 'search:SÔNG HÀN']),
    );
  });
});

describe('revocation and suspension on the registry path', () => {
  it('refuses a revoked credential and a suspended agency on the next call', async () => {
    const admin = await gw.adminToken();
    const a = await gw.agencyWithCredential({
      code: 'REV-REG',
      entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
      scopes: ['citizen:read'],
    });
    const t = await gw.token(a.clientId, a.clientSecret);
    const call = () => gw.call(t, 'GET', `/v1/citizens/${AN}`, undefined, { 'X-Purpose': '1.001' });
    expect((await call()).status).toBe(200);
    await gw.call(admin, 'PATCH', `/admin/agencies/${a.agencyId}`, { status: 'suspended' });
    expect((await call()).status).toBe(403);
    await gw.call(admin, 'PATCH', `/admin/agencies/${a.agencyId}`, { status: 'active' });
    const fresh = await gw.token(a.clientId, a.clientSecret);
    expect(
      (await gw.call(fresh, 'GET', `/v1/citizens/${AN}`, undefined, { 'X-Purpose': '1.001' })).status,
    ).toBe(200);
    await gw.call(admin, 'DELETE', `/admin/credentials/${a.clientId}`);
    const revoked = await gw.call(fresh, 'GET', `/v1/citizens/${AN}`, undefined, { 'X-Purpose': '1.001' });
    expect(revoked.status).toBe(401);
  });
});

describe('logs', () => {
  it('never carry a national ID, a name from the register, a secret or a token', async () => {
    const logs = gw.deps.logs.text();
    expect(logs).toContain('"route":"/v1/citizens/:nationalId"');
    for (const needle of [AN, '048301000123', 'Nguyễn', 'Nguyễn'.normalize('NFD'), token]) {
      expect(logs).not.toContain(needle);
    }
  });
});

describe('quota over HTTP', () => {
  it('serves exactly 50 of 200 concurrent calls at a quota of 50; the rest get 429 with Retry-After', async () => {
    const a = await gw.agencyWithCredential({
      code: 'Q50-AG',
      entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
      scopes: ['citizen:read'],
    });
    await gw.plan('Q50', { perSecond: 1000, quota: 50, agencies: [a.agencyId] });
    const t = await gw.token(a.clientId, a.clientSecret);
    const responses = await Promise.all(
      Array.from({ length: 200 }, () =>
        gw.call(t, 'GET', `/v1/citizens/${AN}`, undefined, { 'X-Purpose': '1.001' }),
      ),
    );
    const served = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status === 429);
    expect(served).toHaveLength(50);
    expect(refused).toHaveLength(150);
    for (const r of refused) expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    const [counters] = await gw.counters(a.agencyId);
    expect(counters?.calls).toBe(50);
    expect(counters?.pricing['citizen:read']).toEqual({ 'Q50@1': 50 });
    // 200 calls racing for 50 lanes of one unit: ~5 s alone, several times that beside the rest of the suite.
  }, 90_000);
});
