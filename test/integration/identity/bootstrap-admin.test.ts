import { describe, expect, it } from 'vitest';
import { auditEventsRoute } from '../../../functions/audit/routes';
import { TokenResponseSchema } from '../../../functions/token/oauth';
import { type LocalGateway, startLocalGateway } from '../../../local/host';
import { answerOf, answerTo, issuedCredentialOf } from '../../support/answers';
import { localHostEnv } from '../../support/local-host';

const BOOTSTRAP_ID = 'ops-bootstrap';
const BOOTSTRAP_SECRET = 'a-long-enough-bootstrap-secret';

/** The local host over the test run's DynamoDB Local, on tables of its own: each start is a restart. */
function starter() {
  const base = localHostEnv({
    BOOTSTRAP_ADMIN_CLIENT_ID: BOOTSTRAP_ID,
    BOOTSTRAP_ADMIN_CLIENT_SECRET: BOOTSTRAP_SECRET,
  });
  return (env: Record<string, string> = {}) =>
    startLocalGateway({ env: { ...base, ...env }, progress: () => undefined });
}

async function tokenResponse(gateway: LocalGateway, clientId: string, secret: string) {
  return fetch(`${gateway.url}/oauth/token`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
}

async function token(gateway: LocalGateway, clientId: string, secret: string) {
  const response = await tokenResponse(gateway, clientId, secret);
  return (await answerOf(response, TokenResponseSchema)).access_token;
}

const call = (gateway: LocalGateway, bearer: string, method: string, path: string, body?: unknown) =>
  fetch(`${gateway.url}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${bearer}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** What the audit trail says the bootstrap did to its credential, oldest first. */
async function bootstrapRecords(gateway: LocalGateway, auditor: string) {
  const response = await call(gateway, auditor, 'GET', '/audit/events?agency=ag_platform&limit=200');
  const { items } = await answerTo(response, auditEventsRoute);
  return items
    .filter((e) => e.actor.clientId === 'system:bootstrap' && e.target === BOOTSTRAP_ID)
    .map((e) => `${e.action} ${e.outcome}`)
    .reverse();
}

describe('the bootstrap admin across restarts', () => {
  it('stays revoked after a restart with its id and secret set, unless reactivation is asked for; each step audited', async () => {
    const start = starter();
    const first = await start();
    let auditor: { clientId: string; clientSecret: string };
    try {
      expect(first.bootstrap).toMatchObject({ clientId: BOOTSTRAP_ID, created: true });
      const bootstrap = await token(first, BOOTSTRAP_ID, BOOTSTRAP_SECRET);
      const issued = await call(first, bootstrap, 'POST', '/admin/agencies/ag_platform/credentials', {
        scopes: ['admin', 'audit:read'],
      });
      expect(issued.status).toBe(201);
      auditor = await issuedCredentialOf(issued);
      const revoked = await call(
        first,
        await token(first, auditor.clientId, auditor.clientSecret),
        'DELETE',
        `/admin/credentials/${BOOTSTRAP_ID}`,
      );
      expect(revoked.status).toBe(200);
    } finally {
      await first.stop();
    }

    const second = await start();
    try {
      expect((await tokenResponse(second, BOOTSTRAP_ID, BOOTSTRAP_SECRET)).status).toBe(401);
      expect(
        await bootstrapRecords(second, await token(second, auditor.clientId, auditor.clientSecret)),
      ).toEqual(['credential.issue done', 'credential.reactivate refused']);
      expect(second.bootstrap.warning).toMatch(
        /ops-bootstrap is revoked and stays revoked \(set BOOTSTRAP_ADMIN_REACTIVATE=1/,
      );
    } finally {
      await second.stop();
    }

    const third = await start({ BOOTSTRAP_ADMIN_REACTIVATE: '1' });
    try {
      expect(third.bootstrap).toMatchObject({ clientId: BOOTSTRAP_ID, changed: 'reactivated' });
      const bootstrap = await token(third, BOOTSTRAP_ID, BOOTSTRAP_SECRET);
      expect((await call(third, bootstrap, 'GET', '/admin/agencies')).status).toBe(200);
      expect(await bootstrapRecords(third, bootstrap)).toEqual([
        'credential.issue done',
        'credential.reactivate refused',
        'credential.reactivate done',
      ]);
    } finally {
      await third.stop();
    }
  });

  it('audits a restart that gives the bootstrap admin a new secret', async () => {
    const start = starter();
    await (await start()).stop();

    const NEW_SECRET = 'another-long-enough-bootstrap-secret';
    const again = await start({ BOOTSTRAP_ADMIN_CLIENT_SECRET: NEW_SECRET });
    try {
      expect((await tokenResponse(again, BOOTSTRAP_ID, BOOTSTRAP_SECRET)).status).toBe(401);
      const bootstrap = await token(again, BOOTSTRAP_ID, NEW_SECRET);
      expect(await bootstrapRecords(again, bootstrap)).toEqual([
        'credential.issue done',
        'credential.rotate done',
      ]);
      expect(again.bootstrap).toMatchObject({ changed: 'secret-reset', created: false });
    } finally {
      await again.stop();
    }
  });
});
