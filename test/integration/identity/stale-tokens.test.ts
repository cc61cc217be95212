import { beforeAll, describe, expect, inject, it } from 'vitest';
import { problemOf } from '../../support/answers';
import { createTestGateway, type TestGateway } from '../../support/gateway';

const AN = '001099012345';
let gw: TestGateway;
let admin: string;

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'));
  admin = await gw.adminToken();
});

const read = (token: string, purpose = '1.001') =>
  gw.call(token, 'GET', `/v1/citizens/${AN}?fields=fullName`, undefined, { 'X-Purpose': purpose });

/** An RFC 6750 refusal of a token that is no longer valid: what makes an OAuth client library get a new one. */
async function expectInvalidToken(response: Response) {
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm=.*error="invalid_token"/);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = await problemOf(response, 401);
  expect(body.detail).toMatch(/request a new token/);
}

describe('a token made stale by an admin change, on the registry path', () => {
  const changes: [string, (agencyId: string) => Promise<Response>][] = [
    [
      'entitlements',
      (agencyId) =>
        gw.call(admin, 'PUT', `/admin/agencies/${agencyId}/entitlements`, {
          entitlements: [{ operation: 'citizen:read', purposes: ['1.001', '1.002'] }],
        }),
    ],
    [
      'plan',
      async (agencyId) => {
        const code = await gw.plan(`STALE-${agencyId.slice(-6).toUpperCase()}`, {
          perSecond: 10,
          burst: 20,
          unitPricesVnd: { 'citizen:read': 100 },
        });
        return gw.call(admin, 'PUT', `/admin/agencies/${agencyId}/plan`, { planCode: code });
      },
    ],
    [
      'budget',
      (agencyId) =>
        gw.call(admin, 'PUT', `/admin/agencies/${agencyId}/budget`, { capVnd: 5_000_000, enforce: true }),
    ],
  ];

  it.each(changes)(
    'answers a token minted before a change of %s with 401 invalid_token, and a new token is served',
    async (what, change) => {
      const a = await gw.agencyWithCredential({
        code: `STALE-${what.toUpperCase()}`,
        entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
        scopes: ['citizen:read'],
      });
      const old = await gw.token(a.clientId, a.clientSecret);
      expect((await read(old)).status).toBe(200);

      expect((await change(a.agencyId)).status).toBe(200);

      await expectInvalidToken(await read(old));
      expect((await read(await gw.token(a.clientId, a.clientSecret))).status).toBe(200);
    },
  );

  it('answers a purpose granted after the token was minted with 401 invalid_token, not 403', async () => {
    const a = await gw.agencyWithCredential({
      code: 'STALE-WIDENED',
      entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
      scopes: ['citizen:read'],
    });
    const old = await gw.token(a.clientId, a.clientSecret);
    expect((await read(old, '1.002')).status).toBe(403);

    await gw.call(admin, 'PUT', `/admin/agencies/${a.agencyId}/entitlements`, {
      entitlements: [{ operation: 'citizen:read', purposes: ['1.001', '1.002'] }],
    });

    // The old token still says 1.001 only; a new one allows 1.002, so the old one is stale, not forbidden.
    await expectInvalidToken(await read(old, '1.002'));
    expect((await read(await gw.token(a.clientId, a.clientSecret), '1.002')).status).toBe(200);
    // A purpose nobody granted is still a 403 for a current token.
    const current = await gw.token(a.clientId, a.clientSecret);
    const refused = await read(current, '9.999');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate') ?? '').not.toContain('invalid_token');
  });
});

describe('a suspended agency', () => {
  it('is refused with 403 agency-suspended, not invalid_token: a new token would not help', async () => {
    const a = await gw.agencyWithCredential({
      code: 'STALE-SUSPENDED',
      entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
      scopes: ['citizen:read'],
    });
    const token = await gw.token(a.clientId, a.clientSecret);
    await gw.call(admin, 'PATCH', `/admin/agencies/${a.agencyId}`, { status: 'suspended' });

    const response = await read(token);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate') ?? '').not.toContain('invalid_token');
    expect(await response.json()).toMatchObject({
      type: '/problems/agency-suspended',
      title: 'Agency suspended',
      detail: expect.stringContaining(`Agency ${a.agencyId} is suspended`),
      agencyId: a.agencyId,
    });
  });
});
