import { describe, expect, inject, it } from 'vitest';
import { issuedCredentialOf } from '../../support/answers';
import { ADMIN_ID, createTestGateway, type TestGateway } from '../../support/gateway';

/** Issues another admin credential to the operator agency and returns it with a token of its own. */
async function issueAdmin(gw: TestGateway, by: string) {
  const issued = await gw.call(by, 'POST', '/admin/agencies/ag_platform/credentials', { scopes: ['admin'] });
  expect(issued.status).toBe(201);
  const { clientId, clientSecret } = await issuedCredentialOf(issued);
  return { clientId, token: await gw.token(clientId, clientSecret) };
}

async function activeAdmins(gw: TestGateway) {
  const credentials = await gw.deps.control.listCredentials('ag_platform');
  const current = await Promise.all(credentials.map((c) => gw.deps.control.getCredential(c.clientId)));
  return current.filter((c) => c?.status === 'active' && c.scopes.includes('admin')).map((c) => c!.clientId);
}

describe('the last admin credential', () => {
  it('cannot be revoked: 409 problem+json, and the gateway can still be administered', async () => {
    const gw = await createTestGateway(inject('dynamoEndpoint'));
    const admin = await gw.adminToken();
    const other = await issueAdmin(gw, admin);
    expect((await gw.call(admin, 'DELETE', `/admin/credentials/${other.clientId}`)).status).toBe(200);

    const refused = await gw.call(admin, 'DELETE', `/admin/credentials/${ADMIN_ID}`);

    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(await refused.json()).toMatchObject({
      type: '/problems/last-admin-credential',
      title: 'Last admin credential',
      detail: expect.stringContaining(
        `Credential ${ADMIN_ID} is the last active credential with scope admin`,
      ),
    });
    expect(await activeAdmins(gw)).toEqual([ADMIN_ID]);
    expect((await gw.call(await gw.adminToken(), 'GET', '/admin/agencies')).status).toBe(200);
  });

  it('lets only one of two admins revoking each other at once succeed', async () => {
    const gw = await createTestGateway(inject('dynamoEndpoint'));
    let survivor = { clientId: ADMIN_ID, token: await gw.adminToken() };
    for (let round = 0; round < 5; round++) {
      const other = await issueAdmin(gw, survivor.token);
      expect((await activeAdmins(gw)).sort()).toEqual([survivor.clientId, other.clientId].sort());

      const [first, second] = await Promise.all([
        gw.call(survivor.token, 'DELETE', `/admin/credentials/${other.clientId}`),
        gw.call(other.token, 'DELETE', `/admin/credentials/${survivor.clientId}`),
      ]);

      const statuses = [first.status, second.status];
      expect(
        statuses.filter((s) => s === 200),
        `round ${round}: ${statuses}`,
      ).toHaveLength(1);
      // The other is refused: by the guard (409), or, if the winner's revocation landed first, as revoked (401).
      expect([409, 401], `round ${round}: ${statuses}`).toContain(statuses.find((s) => s !== 200));
      const left = await activeAdmins(gw);
      expect(left, `round ${round}`).toHaveLength(1);
      survivor = left[0] === survivor.clientId ? survivor : other;
      expect((await gw.call(survivor.token, 'GET', '/admin/agencies')).status).toBe(200);
    }
  });
});
