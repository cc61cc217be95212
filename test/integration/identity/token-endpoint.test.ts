import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { issueCredentialRoute } from '../../../functions/admin/routes';
import { jwksRoute, metadataRoute } from '../../../functions/token/discovery';
import { tokenRoute } from '../../../functions/token/oauth';
import { answerTo, issuedCredentialOf, problemOf } from '../../support/answers';
import { assertionForm } from '../../support/assertion';
import { ADMIN_ID, ADMIN_SECRET, createTestGateway, type TestGateway } from '../../support/gateway';

let gw: TestGateway;
let agency: { agencyId: string; clientId: string; clientSecret: string };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'));
  agency = await gw.agencyWithCredential({
    code: 'BHXH-DN',
    entitlements: [
      { operation: 'citizen:read', purposes: ['1.001'] },
      { operation: 'citizen:verify', purposes: ['1.001'] },
    ],
    scopes: ['citizen:read', 'citizen:verify'],
  });
});

/** A token request answered with `status`, its body parsed with the schema the endpoint documents for it. */
async function postToken<S extends 200 | 400 | 401>(
  status: S,
  body: string,
  headers: Record<string, string> = {},
) {
  const response = await gw.app.request('/oauth/token', {
    method: 'POST',
    headers: { ...FORM, ...headers },
    body,
  });
  return { response, body: await answerTo(response, tokenRoute, status) };
}

describe('token endpoint', () => {
  it('issues a token to client_secret_basic with no-store caching', async () => {
    const { response, body } = await postToken(200, form({ grant_type: 'client_credentials' }), {
      Authorization: gw.basic(agency.clientId, agency.clientSecret),
    });
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 600,
      scope: 'citizen:read citizen:verify',
    });
    const claims = await gw.deps.tokens.verify(body.access_token);
    expect(claims).toMatchObject({ client_id: agency.clientId, agency: agency.agencyId });
    expect(claims.ent).toEqual({ 'citizen:read': { p: ['1.001'] }, 'citizen:verify': { p: ['1.001'] } });
  });

  it('issues a token to client_secret_post', async () => {
    const { body } = await postToken(
      200,
      form({
        grant_type: 'client_credentials',
        client_id: agency.clientId,
        client_secret: agency.clientSecret,
      }),
    );
    expect(body.access_token).toBeTypeOf('string');
  });

  it('narrows the token to the requested scope', async () => {
    const { body } = await postToken(
      200,
      form({ grant_type: 'client_credentials', scope: 'citizen:verify' }),
      { Authorization: gw.basic(agency.clientId, agency.clientSecret) },
    );
    expect(body.scope).toBe('citizen:verify');
    const claims = await gw.deps.tokens.verify(body.access_token);
    expect(claims.scope).toBe('citizen:verify');
    expect(Object.keys(claims.ent)).toEqual(['citizen:verify']);
  });

  it('answers invalid_scope for a scope the credential lacks', async () => {
    const { response, body } = await postToken(
      400,
      form({ grant_type: 'client_credentials', scope: 'citizen:read admin' }),
      {
        Authorization: gw.basic(agency.clientId, agency.clientSecret),
      },
    );
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(body.error).toBe('invalid_scope');
    expect(body.error_description).toContain('admin');
  });

  it('answers invalid_client 401 with a Basic challenge for a wrong secret, and never echoes it', async () => {
    const { response, body } = await postToken(401, form({ grant_type: 'client_credentials' }), {
      Authorization: gw.basic(agency.clientId, 'ndgs_wrong-secret-value'),
    });
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(body.error).toBe('invalid_client');
    expect(JSON.stringify(body)).not.toContain('wrong-secret-value');
  });

  it('answers an unknown client exactly like a wrong secret', async () => {
    const unknown = await postToken(401, form({ grant_type: 'client_credentials' }), {
      Authorization: gw.basic('ndgc_nobody', 'whatever'),
    });
    expect(unknown.body.error_description).toBe('Client authentication failed.');
  });

  it('answers an absurdly long client id with invalid_client, not a store error', async () => {
    const long = 'x'.repeat(3000);
    await postToken(401, form({ grant_type: 'client_credentials' }), { Authorization: gw.basic(long, 's') });
    await postToken(401, form({ grant_type: 'client_credentials', client_id: long, client_secret: 's' }));
  });

  it('answers unsupported_grant_type and invalid_request per RFC 6749', async () => {
    const auth = { Authorization: gw.basic(agency.clientId, agency.clientSecret) };
    expect((await postToken(400, form({ grant_type: 'password' }), auth)).body.error).toBe(
      'unsupported_grant_type',
    );
    expect((await postToken(400, form({}), auth)).body.error).toBe('invalid_request');
    expect(
      (await postToken(400, 'grant_type=client_credentials&grant_type=client_credentials', auth)).body.error,
    ).toBe('invalid_request');
    const json = await gw.app.request('/oauth/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...auth },
      body: '{"grant_type":"client_credentials"}',
    });
    expect((await answerTo(json, tokenRoute, 400)).error).toBe('invalid_request');
  });

  it('refuses two client authentication methods at once', async () => {
    const { body } = await postToken(
      400,
      form({
        grant_type: 'client_credentials',
        client_id: agency.clientId,
        client_secret: agency.clientSecret,
      }),
      { Authorization: gw.basic(agency.clientId, agency.clientSecret) },
    );
    expect(body.error).toBe('invalid_request');
  });

  it('publishes RFC 8414 metadata and the JWKS that verifies its tokens', async () => {
    const metadata = await answerTo(
      await gw.app.request('/.well-known/oauth-authorization-server'),
      metadataRoute,
    );
    expect(metadata.token_endpoint).toBe(`${gw.deps.config.TOKEN_ISSUER}/oauth/token`);
    expect(metadata.token_endpoint_auth_methods_supported).toEqual([
      'client_secret_basic',
      'client_secret_post',
      'private_key_jwt',
    ]);
    const jwks = await answerTo(await gw.app.request('/.well-known/jwks.json'), jwksRoute);
    const token = await gw.token(agency.clientId, agency.clientSecret);
    const kid = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid;
    expect(jwks.keys.map((k) => k.kid)).toContain(kid);
  });
});

describe('private_key_jwt clients', () => {
  let clientId: string;
  let privateKey: CryptoKey;
  const aud = () => `${gw.deps.config.TOKEN_ISSUER}/oauth/token`;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    const admin = await gw.adminToken();
    const issued = await gw.call(admin, 'POST', `/admin/agencies/${agency.agencyId}/credentials`, {
      scopes: ['citizen:read'],
      publicJwk: await exportJWK(pair.publicKey),
    });
    const body = await answerTo(issued, issueCredentialRoute, 201);
    expect(body).not.toHaveProperty('clientSecret');
    expect(body.authMethod).toBe('private_key_jwt');
    clientId = body.clientId;
  });

  const assertion = (claims: Record<string, unknown> = {}, key: CryptoKey = privateKey, lifetime = 60) =>
    new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer((claims.iss as string) ?? clientId)
      .setSubject(clientId)
      .setAudience((claims.aud as string) ?? aud())
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${lifetime}s`)
      .sign(key);

  const exchange = <S extends 200 | 401>(jwt: string, status: S) => postToken(status, assertionForm(jwt));

  it('issues a token for a valid signed assertion', async () => {
    const { body } = await exchange(await assertion(), 200);
    expect(body.scope).toBe('citizen:read');
  });

  /** The reason the gateway logged for the operator with its last client authentication failure. */
  const loggedReason = () =>
    gw.deps.logs.lines
      .map((line) => JSON.parse(line) as { message: string; reason?: string })
      .filter((entry) => entry.message === 'client authentication failed')
      .at(-1)?.reason;

  it('refuses a replayed assertion (same jti)', async () => {
    const jwt = await assertion();
    await exchange(jwt, 200);
    const replay = await exchange(jwt, 401);
    expect(replay.body.error_description).toBe('Client authentication failed.');
    expect(loggedReason()).toContain('jti');
  });

  it('refuses an assertion for another audience', async () => {
    const { body } = await exchange(await assertion({ aud: 'https://other.example/token' }), 401);
    expect(body.error).toBe('invalid_client');
    expect(loggedReason()).toContain('aud');
  });

  it('refuses an assertion signed by another key', async () => {
    const other = await generateKeyPair('ES256');
    const { body } = await exchange(await assertion({}, other.privateKey), 401);
    expect(body.error).toBe('invalid_client');
  });

  it('refuses an assertion that lives too long', async () => {
    const { body } = await exchange(await assertion({}, privateKey, 3600), 401);
    expect(body.error).toBe('invalid_client');
    expect(loggedReason()).toContain('300 seconds');
  });

  it('answers an unknown client, a bad signature, a revoked credential and an expired assertion alike', async () => {
    const other = await generateKeyPair('ES256');
    const pair = await generateKeyPair('ES256', { extractable: true });
    const admin = await gw.adminToken();
    const issued = await gw.call(admin, 'POST', `/admin/agencies/${agency.agencyId}/credentials`, {
      scopes: ['citizen:read'],
      publicJwk: await exportJWK(pair.publicKey),
    });
    const revokedId = (await issuedCredentialOf(issued)).clientId;
    expect((await gw.call(admin, 'DELETE', `/admin/credentials/${revokedId}`)).status).toBe(200);
    const signed = (iss: string, key: CryptoKey, expiresAt: string | number = '60s') =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer(iss)
        .setSubject(iss)
        .setAudience(aud())
        .setJti(crypto.randomUUID())
        .setIssuedAt()
        .setExpirationTime(expiresAt)
        .sign(key);

    const answers = {
      unknown: await exchange(await signed('ndgc_nobody00000000000', other.privateKey), 401),
      badSignature: await exchange(await signed(clientId, other.privateKey), 401),
      revoked: await exchange(await signed(revokedId, pair.privateKey), 401),
      expired: await exchange(await signed(clientId, privateKey, Math.floor(Date.now() / 1000) - 60), 401),
      secretClient: await exchange(await signed(agency.clientId, other.privateKey), 401),
    };
    for (const [what, { response, body }] of Object.entries(answers)) {
      expect({
        what,
        status: response.status,
        body: { ...body, requestId: undefined, instance: undefined },
      }).toEqual({
        what,
        status: 401,
        body: {
          ...answers.unknown.body,
          requestId: undefined,
          instance: undefined,
        },
      });
    }
    expect(answers.unknown.body).toMatchObject({
      error: 'invalid_client',
      error_description: 'Client authentication failed.',
    });
  });

  it('refuses a secret for a private_key_jwt client', async () => {
    await postToken(401, form({ grant_type: 'client_credentials' }), {
      Authorization: gw.basic(clientId, 'guess'),
    });
  });

  it('refuses to register private key material', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const admin = await gw.adminToken();
    const issued = await gw.call(admin, 'POST', `/admin/agencies/${agency.agencyId}/credentials`, {
      scopes: ['citizen:read'],
      publicJwk: await exportJWK(pair.privateKey),
    });
    expect((await problemOf(issued, 400)).detail).toContain('private');
  });
});

describe('secrets at rest', () => {
  it('stores only scrypt hashes, never a secret', async () => {
    const { Items = [] } = await gw.deps.store.send(
      new QueryCommand({
        TableName: gw.deps.tables.control,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `CLIENT#${agency.clientId}` },
      }),
    );
    const stored = JSON.stringify(Items);
    expect(stored).not.toContain(agency.clientSecret);
    expect(stored).toMatch(/scrypt\$16384\$8\$1\$/);
  });

  it('never writes a secret or token to the logs', async () => {
    await gw.token(ADMIN_ID, ADMIN_SECRET);
    const token = await gw.token(agency.clientId, agency.clientSecret);
    const logs = gw.deps.logs.text();
    expect(logs).toContain('token issued');
    for (const secret of [ADMIN_SECRET, agency.clientSecret, token]) expect(logs).not.toContain(secret);
  });
});
