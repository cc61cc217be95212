import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryKeyStore, SigningKeys } from '../../../shared/auth/keys';
import { TokenService } from '../../../shared/auth/tokens';
import { AppError } from '../../../shared/errors';

const issuer = 'https://gateway.example.gov.vn';
const audience = 'national-data-gateway';
let now = new Date('2026-11-27T03:00:00Z');
const clock = () => now;

const keys = new SigningKeys(new MemoryKeyStore(), { createIfMissing: true, now: clock });
const tokens = new TokenService(keys, { issuer, audience, ttlSeconds: 600, now: clock });
const subject = {
  clientId: 'ndgc_1',
  agencyId: 'ag_1',
  scopes: ['citizen:read'],
  policyVersion: 3,
  entitlements: {},
  limits: { plan: 'NONE', planVersion: 0, monthlyQuota: 100, ratePerSecond: 10, burst: 20 },
};

let good: string;
let kid: string;
beforeAll(async () => {
  good = (await tokens.issue(subject)).token;
  kid = (await keys.signingKey()).kid;
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const payloadOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

async function rejection(token: string): Promise<AppError> {
  try {
    await tokens.verify(token);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    const e = error as AppError;
    expect(e.status).toBe(401);
    expect(e.headers['WWW-Authenticate']).toContain('error="invalid_token"');
    return e;
  }
  throw new Error('the token was accepted');
}

describe('access tokens', () => {
  it('carries agency, client, scopes, policy version and the standard claims', async () => {
    const claims = await tokens.verify(good);
    expect(claims).toMatchObject({
      iss: issuer,
      aud: audience,
      sub: 'ndgc_1',
      client_id: 'ndgc_1',
      agency: 'ag_1',
      scope: 'citizen:read',
      pv: 3,
    });
    expect(claims.exp - claims.iat).toBe(600);
    expect(typeof claims.jti).toBe('string');
    const header = JSON.parse(Buffer.from(good.split('.')[0]!, 'base64url').toString());
    expect(header).toEqual({ alg: 'ES256', kid, typ: 'at+jwt' });
  });

  it('carries its limits under the compact claim names and reads them back by their own names', async () => {
    expect(payloadOf(good).lim).toEqual({ plan: 'NONE', v: 0, q: 100, r: 10, b: 20 });
    const claims = await tokens.verify(good);
    expect(claims.limits).toEqual(subject.limits);
    expect(claims).not.toHaveProperty('lim');
    const laned = (await tokens.issue({ ...subject, limits: { ...subject.limits, lanes: 4 } })).token;
    expect(payloadOf(laned).lim).toEqual({ plan: 'NONE', v: 0, q: 100, r: 10, b: 20, n: 4 });
    expect((await tokens.verify(laned)).limits).toEqual({ ...subject.limits, lanes: 4 });
  });

  it('rejects a token with alg none', async () => {
    const unsigned = `${b64({ alg: 'none', kid, typ: 'at+jwt' })}.${b64(payloadOf(good))}.`;
    expect((await rejection(unsigned)).detail).toMatch(/algorithm|invalid/i);
  });

  it('rejects HS256 signed with the public key (algorithm confusion)', async () => {
    const { keys: published } = await keys.jwks();
    const publicKeyBytes = new TextEncoder().encode(JSON.stringify(published[0]));
    const forged = await new SignJWT(payloadOf(good))
      .setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' })
      .sign(publicKeyBytes);
    await rejection(forged);
  });

  it('rejects a token signed by a foreign key that reuses a known kid', async () => {
    const foreign = await generateKeyPair('ES256');
    const forged = await new SignJWT(payloadOf(good))
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
      .sign(foreign.privateKey);
    expect((await rejection(forged)).detail).toContain('signature');
  });

  it('rejects a token whose kid the gateway does not know', async () => {
    const foreign = await generateKeyPair('ES256');
    const forged = await new SignJWT(payloadOf(good))
      .setProtectedHeader({ alg: 'ES256', kid: 'attacker-key', typ: 'at+jwt' })
      .sign(foreign.privateKey);
    expect((await rejection(forged)).detail).toContain('does not know');
  });

  it('rejects a token with a tampered payload', async () => {
    const [header, , signature] = good.split('.');
    const widened = b64({ ...payloadOf(good), scope: 'citizen:read admin' });
    await rejection(`${header}.${widened}.${signature}`);
  });

  it('rejects a token for another issuer or audience', async () => {
    const { key } = await keys.signingKey();
    const sign = (overrides: Record<string, unknown>) =>
      new SignJWT({ ...payloadOf(good), ...overrides })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
        .sign(key);
    expect((await rejection(await sign({ iss: 'https://evil.example' }))).detail).toContain('iss');
    expect((await rejection(await sign({ aud: 'another-api' }))).detail).toContain('aud');
  });

  it('rejects an expired token and one not valid yet', async () => {
    const saved = now;
    try {
      now = new Date(saved.getTime() + 606_000); // just past exp plus the 5 s clock tolerance
      expect((await rejection(good)).detail).toContain('expired');
      now = new Date(saved.getTime() - 60_000);
      expect((await rejection(good)).detail).toMatch(/not valid yet|iat/);
    } finally {
      now = saved;
    }
  });

  it('rejects a JWT of another type (e.g. a client assertion) signed with the gateway key', async () => {
    const { key } = await keys.signingKey();
    const other = await new SignJWT(payloadOf(good))
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .sign(key);
    await rejection(other);
  });

  it('rejects garbage without echoing it', async () => {
    const error = await rejection('not-a-jwt');
    expect(error.detail).not.toContain('not-a-jwt');
  });

  it('keeps verifying tokens of the previous key after a rotation, and publishes both keys', async () => {
    const before = await tokens.issue(subject);
    const { kid: newKid, previousKid } = await keys.rotate();
    expect(previousKid).toBe(kid);
    expect((await tokens.verify(before.token)).sub).toBe('ndgc_1');
    const after = await tokens.issue(subject);
    expect(JSON.parse(Buffer.from(after.token.split('.')[0]!, 'base64url').toString()).kid).toBe(newKid);
    const { keys: published } = await keys.jwks();
    expect(published.map((k) => k.kid)).toEqual([newKid, kid]);
    for (const key of published) expect(key).not.toHaveProperty('d');
  });

  it('answers a token it has verified from memory, with claims no request can alter', async () => {
    const { token } = await tokens.issue(subject);
    const first = await tokens.verify(token);
    expect(await tokens.verify(token)).toBe(first);
    expect(() => {
      (first as { scope: string }).scope = 'admin';
    }).toThrow(TypeError);
    expect(() => {
      (first.limits as { monthlyQuota: number }).monthlyQuota = 1e9;
    }).toThrow(TypeError);
  });

  it('refuses a token it accepted before once its signing key has been rotated out', async () => {
    const { token } = await tokens.issue(subject);
    expect((await tokens.verify(token)).sub).toBe('ndgc_1');
    await keys.rotate();
    await keys.rotate();
    expect((await rejection(token)).detail).toContain('key the gateway does not know');
  });

  it('publishes only public key material', async () => {
    const { keys: published } = await keys.jwks();
    const exported = await exportJWK((await generateKeyPair('ES256')).publicKey);
    expect(Object.keys(published[0]!).sort()).toEqual([...Object.keys(exported), 'alg', 'kid', 'use'].sort());
  });
});
