import { createGatewayApp } from '../../local/gateway-app';
import { ensureBootstrapAdmin, seedDemoRecords } from '../../local/seed';
import type { Entitlement, Scope } from '../../shared/identity/model';
import { readCounters } from '../../shared/ledger/usage';
import { integrationDeps, type TestDepsOptions } from './deps';

export const ADMIN_ID = 'test-admin';
export const ADMIN_SECRET = 'test-admin-secret-0123456789';

export type TestGateway = Awaited<ReturnType<typeof createTestGateway>>;

/** The whole gateway (every area on one app) over fresh DynamoDB Local tables, with a bootstrap admin. */
export async function createTestGateway(endpoint: string, options: TestDepsOptions = {}) {
  const deps = await integrationDeps(endpoint, options);
  await seedDemoRecords(deps.store, deps.tables);
  await ensureBootstrapAdmin(deps.store, deps.tables, { clientId: ADMIN_ID, clientSecret: ADMIN_SECRET });
  const app = createGatewayApp(deps);

  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

  async function token(clientId: string, secret: string, scope?: string): Promise<string> {
    const response = await app.request('/oauth/token', {
      method: 'POST',
      headers: {
        Authorization: basic(clientId, secret),
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }).toString(),
    });
    if (response.status !== 200) throw new Error(`token: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { access_token: string }).access_token;
  }

  const adminToken = () => token(ADMIN_ID, ADMIN_SECRET);

  /** A JSON call with a bearer token. */
  async function call(
    bearer: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    return app.request(path, {
      method,
      headers: {
        Authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  /** An agency with entitlements and a secret credential, ready to call the registers. */
  async function agencyWithCredential(input: {
    code: string;
    name?: string;
    entitlements: Entitlement[];
    scopes: Scope[];
  }) {
    const admin = await adminToken();
    const created = await call(admin, 'POST', '/admin/agencies', {
      code: input.code,
      name: input.name ?? `Agency ${input.code}`,
    });
    if (created.status !== 201) throw new Error(`create agency: ${created.status} ${await created.text()}`);
    const agency = (await created.json()) as { id: string };
    const ent = await call(admin, 'PUT', `/admin/agencies/${agency.id}/entitlements`, {
      entitlements: input.entitlements,
    });
    if (ent.status !== 200) throw new Error(`entitlements: ${ent.status} ${await ent.text()}`);
    const issued = await call(admin, 'POST', `/admin/agencies/${agency.id}/credentials`, {
      scopes: input.scopes,
    });
    if (issued.status !== 201) throw new Error(`credential: ${issued.status} ${await issued.text()}`);
    const credential = (await issued.json()) as { clientId: string; clientSecret: string };
    return { agencyId: agency.id, clientId: credential.clientId, clientSecret: credential.clientSecret };
  }

  /** Every period's usage counters of one agency, oldest first. */
  const counters = (agencyId: string) =>
    readCounters(deps.store, deps.tables.ledger, agencyId, '0000-00', '9999-99');

  return { deps, app, basic, token, adminToken, call, agencyWithCredential, counters };
}
