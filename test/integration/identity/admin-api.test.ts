import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import {
  createAgencyRoute,
  getAgencyRoute,
  listAgenciesRoute,
  revokeCredentialRoute,
  rotateCredentialRoute,
  rotateSigningKeysRoute,
  updateAgencyRoute,
} from '../../../functions/admin/routes';
import { ProblemSchema } from '../../../shared/http/openapi';
import { answerTo, issuedCredentialOf, problemOf } from '../../support/answers';
import { createTestGateway, type TestGateway } from '../../support/gateway';

let gw: TestGateway;
let admin: string;
let now = new Date('2026-11-27T03:00:00Z');

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'), { now: () => now });
  admin = await gw.adminToken();
});

/** A validation problem: the documented problem, with the fields that failed (an extension member). */
const ValidationProblemSchema = ProblemSchema.extend({ errors: z.array(z.object({ path: z.string() })) });

async function auditEvents(action?: string) {
  const { Items = [] } = await gw.deps.store.send(new ScanCommand({ TableName: gw.deps.tables.ledger }));
  return Items.filter((i) => i.sk === 'AUDIT')
    .map((i) => i.event as Record<string, unknown>)
    .filter((e) => !action || e.action === action);
}

describe('admin API: agencies', () => {
  it('creates, reads, lists and renames an agency with Vietnamese names, auditing each change', async () => {
    const created = await gw.call(admin, 'POST', '/admin/agencies', {
      code: 'SO-TP-HN',
      name: 'Sở Tư pháp Hà Nội'.normalize('NFD'),
    });
    const agency = await answerTo(created, createAgencyRoute, 201);
    expect(agency).toMatchObject({ name: 'Sở Tư pháp Hà Nội', status: 'active' });
    expect(agency.name).toBe(agency.name.normalize('NFC'));

    expect(
      (await answerTo(await gw.call(admin, 'GET', `/admin/agencies/${agency.id}`), getAgencyRoute)).id,
    ).toBe(agency.id);
    const list = await answerTo(await gw.call(admin, 'GET', '/admin/agencies?limit=100'), listAgenciesRoute);
    expect(list.items.map((a) => a.id)).toContain(agency.id);

    const renamed = await gw.call(admin, 'PATCH', `/admin/agencies/${agency.id}`, {
      name: 'Sở Tư pháp TP Hà Nội',
    });
    expect((await answerTo(renamed, updateAgencyRoute)).name).toBe('Sở Tư pháp TP Hà Nội');

    const [update] = await auditEvents('agency.update');
    expect(update).toMatchObject({
      kind: 'admin-action',
      actor: { clientId: 'test-admin', agencyId: 'ag_platform' },
      target: agency.id,
      before: { name: 'Sở Tư pháp Hà Nội' },
      after: { name: 'Sở Tư pháp TP Hà Nội' },
    });
  });

  it('refuses a duplicate agency code with 409', async () => {
    await gw.call(admin, 'POST', '/admin/agencies', { code: 'DUP-1', name: 'Một' });
    const again = await gw.call(admin, 'POST', '/admin/agencies', { code: 'DUP-1', name: 'Hai' });
    expect(again.status).toBe(409);
  });

  it('answers 400 problem+json naming the bad field', async () => {
    const response = await gw.call(admin, 'POST', '/admin/agencies', { code: 'lower case', name: '' });
    const body = ValidationProblemSchema.parse(await problemOf(response, 400));
    expect(body.errors.map((e) => e.path).sort()).toEqual(['code', 'name']);
  });

  it('answers 404 for an unknown agency', async () => {
    expect((await gw.call(admin, 'GET', '/admin/agencies/ag_doesnotexist')).status).toBe(404);
  });

  it('refuses a credential wider than the agency is entitled to', async () => {
    const created = await answerTo(
      await gw.call(admin, 'POST', '/admin/agencies', { code: 'NARROW', name: 'Hẹp' }),
      createAgencyRoute,
      201,
    );
    const response = await gw.call(admin, 'POST', `/admin/agencies/${created.id}/credentials`, {
      scopes: ['citizen:read'],
    });
    expect((await problemOf(response, 400)).detail).toContain('not entitled to citizen:read');
    for (const scope of ['admin', 'audit:read', 'billing:read', 'billing:close']) {
      const platformScope = await gw.call(admin, 'POST', `/admin/agencies/${created.id}/credentials`, {
        scopes: [scope],
      });
      expect(platformScope.status, scope).toBe(400);
    }
  });
});

describe('admin API: protection', () => {
  it('answers 401 with a Bearer challenge without a token', async () => {
    const response = await gw.app.request('/admin/agencies');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('answers 403 insufficient_scope to an agency token', async () => {
    const a = await gw.agencyWithCredential({
      code: 'SCOPE-1',
      entitlements: [{ operation: 'business:read', purposes: ['2.001'] }],
      scopes: ['business:read'],
    });
    const token = await gw.token(a.clientId, a.clientSecret);
    const response = await gw.call(token, 'GET', '/admin/agencies');
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });
});

describe('credentials lifecycle', () => {
  it('shows a secret once and lists credentials without secrets or hashes', async () => {
    const a = await gw.agencyWithCredential({
      code: 'LIST-1',
      entitlements: [{ operation: 'citizen:verify', purposes: ['1.002'] }],
      scopes: ['citizen:verify'],
    });
    const list = await gw.call(admin, 'GET', `/admin/agencies/${a.agencyId}/credentials`);
    const text = await list.text();
    expect(text).toContain(a.clientId);
    expect(text).not.toContain(a.clientSecret);
    expect(text).not.toContain('scrypt');
    const [issue] = (await auditEvents('credential.issue')).filter((e) => e.target === a.clientId);
    expect(JSON.stringify(issue)).not.toContain(a.clientSecret);
    expect(JSON.stringify(issue)).not.toContain('scrypt');
  });

  it('keeps the old secret working during the rotation overlap, then stops it', async () => {
    const a = await gw.agencyWithCredential({
      code: 'ROT-1',
      entitlements: [{ operation: 'citizen:verify', purposes: ['1.002'] }],
      scopes: ['citizen:verify'],
    });
    const rotated = await gw.call(admin, 'POST', `/admin/credentials/${a.clientId}/rotate`, {
      overlapSeconds: 3600,
    });
    const { clientSecret: fresh, previousSecretExpiresAt } = await answerTo(rotated, rotateCredentialRoute);
    if (fresh === undefined) throw new Error('a rotation answers the new secret');
    expect(fresh).not.toBe(a.clientSecret);
    expect(previousSecretExpiresAt).toBe(new Date(now.getTime() + 3600_000).toISOString());

    await expect(gw.token(a.clientId, a.clientSecret)).resolves.toBeTypeOf('string');
    await expect(gw.token(a.clientId, fresh)).resolves.toBeTypeOf('string');

    const saved = now;
    now = new Date(saved.getTime() + 3601_000);
    try {
      await expect(gw.token(a.clientId, a.clientSecret)).rejects.toThrow(/401/);
      await expect(gw.token(a.clientId, fresh)).resolves.toBeTypeOf('string');
    } finally {
      now = saved;
    }
  });

  it('refuses a revoked credential on the very next request, not at token expiry', async () => {
    const second = await gw.operatorCredential(['admin']);
    const token = await gw.token(second.clientId, second.clientSecret);
    expect((await gw.call(token, 'GET', '/admin/agencies')).status).toBe(200);

    const revoked = await gw.call(admin, 'DELETE', `/admin/credentials/${second.clientId}`);
    expect((await answerTo(revoked, revokeCredentialRoute)).status).toBe('revoked');

    const after = await gw.call(token, 'GET', '/admin/agencies');
    expect((await problemOf(after, 401)).detail).toContain('revoked');
    await expect(gw.token(second.clientId, second.clientSecret)).rejects.toThrow(/401/);
  });

  it('stops a suspended agency from getting tokens, and lets it back after reactivation', async () => {
    const a = await gw.agencyWithCredential({
      code: 'SUSP-1',
      entitlements: [{ operation: 'citizen:verify', purposes: ['1.002'] }],
      scopes: ['citizen:verify'],
    });
    await gw.call(admin, 'PATCH', `/admin/agencies/${a.agencyId}`, { status: 'suspended' });
    await expect(gw.token(a.clientId, a.clientSecret)).rejects.toThrow(/unauthorized_client/);
    await gw.call(admin, 'PATCH', `/admin/agencies/${a.agencyId}`, { status: 'active' });
    await expect(gw.token(a.clientId, a.clientSecret)).resolves.toBeTypeOf('string');
    expect((await auditEvents('agency.suspend')).some((e) => e.target === a.agencyId)).toBe(true);
  });

  it('refuses to suspend the platform operator', async () => {
    const response = await gw.call(admin, 'PATCH', '/admin/agencies/ag_platform', { status: 'suspended' });
    expect(response.status).toBe(409);
  });
});

describe('signing keys', () => {
  it('rotates the signing key; tokens of the previous key keep working', async () => {
    const before = await gw.adminToken();
    const rotated = await gw.call(admin, 'POST', '/admin/signing-keys/rotate');
    const { kid } = await answerTo(rotated, rotateSigningKeysRoute);
    expect((await auditEvents('signing-key.rotate')).map((e) => e.target)).toContain(kid);
    expect((await gw.call(before, 'GET', '/admin/agencies')).status).toBe(200);
    const after = await gw.adminToken();
    expect(JSON.parse(Buffer.from(after.split('.')[0]!, 'base64url').toString()).kid).toBe(kid);
    admin = after;
  });
});

describe('bad input on real routes', () => {
  const problem = async (response: Response, status: number) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const text = await response.text();
    expect(text).not.toMatch(/\bat .*\.(ts|js|mjs):\d+/);
    return ProblemSchema.parse(JSON.parse(text));
  };

  it('answers malformed JSON with 400', async () => {
    const response = await gw.app.request('/admin/agencies', {
      method: 'POST',
      headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
      body: '{"code": "X',
    });
    expect((await problem(response, 400)).detail).toContain('not valid JSON');
  });

  it('answers an oversized body with 413 before reading it', async () => {
    const response = await gw.app.request('/admin/agencies', {
      method: 'POST',
      headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ code: 'BIG', name: 'x'.repeat(200_000) }),
    });
    await problem(response, 413);
  });

  it('answers a wrong method with 405 and an unknown route with 404', async () => {
    await problem(await gw.app.request('/v1/citizens/001099012345', { method: 'DELETE' }), 405);
    await problem(await gw.app.request('/admin/nothing-here'), 404);
  });

  it('refuses entitlements whose access tokens could not pass an API call, and serves the largest that fit', async () => {
    const created = await gw.call(admin, 'POST', '/admin/agencies', {
      code: 'MANY-PURPOSES',
      name: 'Nhiều thủ tục',
    });
    const { id } = await answerTo(created, createAgencyRoute, 201);
    const purposes = (n: number) =>
      Array.from({ length: n }, (_, i) => `1.${String(i).padStart(6, '0')}-thu-tuc-hanh-chinh-cap-tinh`);
    const all = (n: number) =>
      (['citizen:read', 'citizen:verify', 'business:read', 'business:search'] as const).map((operation) => ({
        operation,
        purposes: purposes(n),
      }));

    // 4 operations x 100 purposes of 36 characters: each request is valid alone, together ~16 KB of token.
    const tooMany = await gw.call(admin, 'PUT', `/admin/agencies/${id}/entitlements`, {
      entitlements: all(100),
    });
    expect((await problem(tooMany, 400)).detail).toMatch(
      /bytes in every access token.*fewer or shorter purpose codes/,
    );

    // Entitlements name catalogue codes only: these are catalogued first.
    for (const code of purposes(28)) {
      const put = await gw.call(admin, 'PUT', `/admin/purposes/${code}`, {
        name: 'Thủ tục cấp tỉnh',
        legalBasis: 'Luật',
      });
      expect(put.status).toBe(201);
    }
    const fits = await gw.call(admin, 'PUT', `/admin/agencies/${id}/entitlements`, { entitlements: all(28) });
    expect(fits.status).toBe(200);
    const issued = await gw.call(admin, 'POST', `/admin/agencies/${id}/credentials`, {
      scopes: ['citizen:read', 'citizen:verify', 'business:read', 'business:search'],
    });
    const { clientId, clientSecret } = await issuedCredentialOf(issued);
    const token = await gw.token(clientId, clientSecret);
    // The token with every operation still fits a call's headers: the header limit (431) is not what answers.
    expect(token.length).toBeLessThan(gw.deps.config.HEADER_LIMIT_BYTES - 1_024);
    const call = await gw.call(token, 'GET', '/v1/businesses/0401234567', undefined, {
      'X-Purpose': purposes(28)[27]!,
    });
    expect(call.status).toBe(200);
  });

  it('answers unknown fields in an admin body with 400 naming them', async () => {
    const response = await gw.call(admin, 'POST', '/admin/agencies', {
      code: 'EXTRA',
      name: 'Thừa',
      isAdmin: true,
    });
    expect((await problem(response, 400)).detail).toContain('isAdmin');
  });
});
