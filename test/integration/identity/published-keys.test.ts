import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { rotateSigningKeysRoute } from '../../../functions/admin/routes';
import { createGatewayApp } from '../../../local/gateway-app';
import { assembleDeps, type GatewayDeps } from '../../../shared/deps';
import { publishedKeysKey } from '../../../shared/storage/keys/control';
import { answerTo } from '../../support/answers';
import { createTestGateway, type TestGateway } from '../../support/gateway';

/**
 * In AWS the registry and audit functions only verify access tokens: they read the public keys every rotation
 * publishes in the control table and have no access to the secret holding the private keys. These tests run
 * the gateway's own routes over such verify-only dependencies, beside a gateway that signs.
 */
let gw: TestGateway;
let verifyOnly: GatewayDeps;

const published = async () =>
  (
    await gw.deps.store.send(
      new GetCommand({ TableName: gw.deps.tables.control, Key: publishedKeysKey, ConsistentRead: true }),
    )
  ).Item;

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'));
  verifyOnly = assembleDeps({
    config: { ...gw.deps.config, SIGNING_KEYS_SOURCE: 'published' },
    logger: gw.deps.logger,
    store: gw.deps.store,
  });
});

describe('verify-only functions (registry, audit)', () => {
  it('refuses every token until keys are published: verifying fails closed, never open', async () => {
    expect(await published()).toBeUndefined();
    const token = await gw.adminToken();
    await expect(verifyOnly.tokens.verify(token)).rejects.toMatchObject({ status: 401 });
  });

  it('verifies tokens of the current and previous key once a rotation has published them', async () => {
    const admin = await gw.adminToken();
    const rotated = await gw.call(admin, 'POST', '/admin/signing-keys/rotate');
    const { kid, previousKid } = await answerTo(rotated, rotateSigningKeysRoute);

    const item = await published();
    expect(item?.keys.map((k: { kid: string }) => k.kid)).toEqual([kid, previousKid]);
    // Public halves only: no private member of any key reached the control table.
    expect(JSON.stringify(item)).not.toMatch(/"d":/);

    const fresh = await gw.adminToken();
    expect((await verifyOnly.tokens.verify(fresh)).client_id).toBe('test-admin');
    // `admin` was minted with the previous key before the rotation and stays valid until it expires.
    expect((await verifyOnly.tokens.verify(admin)).client_id).toBe('test-admin');
  });

  it('serves a registry call end to end without any private key, and cannot mint a token', async () => {
    const agency = await gw.agencyWithCredential({
      code: 'VERIFY-ONLY',
      entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
      scopes: ['citizen:read'],
    });
    const token = await gw.token(agency.clientId, agency.clientSecret);
    const app = createGatewayApp(verifyOnly);
    const response = await app.request('/v1/citizens/001099012345', {
      headers: { Authorization: `Bearer ${token}`, 'X-Purpose': '1.001' },
    });
    expect(response.status).toBe(200);

    await expect(
      verifyOnly.tokens.issue({
        clientId: agency.clientId,
        agencyId: agency.agencyId,
        scopes: ['admin'],
        policyVersion: 1,
        entitlements: {},
        limits: { plan: 'NONE', planVersion: 0, monthlyQuota: 1, ratePerSecond: 1, burst: 1 },
      }),
    ).rejects.toThrow(/only verifies tokens/);
    await expect(verifyOnly.keys.rotate()).rejects.toThrow(/only verifies tokens/);
  });
});
