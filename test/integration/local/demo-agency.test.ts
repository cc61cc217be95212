import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { jwksRoute } from '../../../functions/token/discovery';
import { tokenRoute } from '../../../functions/token/oauth';
import { type LocalGateway, startLocalGateway } from '../../../local/host';
import { DEMO_AGENCY, DEMO_CATALOGUE, DEMO_PLAN, DEMO_PURPOSES } from '../../../local/seed';
import { verifyStatementFile } from '../../../shared/billing/signed';
import { periodOf } from '../../../shared/ledger/period';
import { controlKeys } from '../../../shared/storage/keys/control';
import { answerTo } from '../../support/answers';
import { localHostEnv } from '../../support/local-host';

const ADMIN_ID = 'demo-test-admin';
const ADMIN_SECRET = 'a-long-enough-admin-secret-for-tests';

/** The local host over the run's DynamoDB Local, on tables of its own: each start after the first is a restart. */
function starter() {
  const base = localHostEnv({
    BOOTSTRAP_ADMIN_CLIENT_ID: ADMIN_ID,
    BOOTSTRAP_ADMIN_CLIENT_SECRET: ADMIN_SECRET,
  });
  return (env: Record<string, string> = {}) =>
    startLocalGateway({ env: { ...base, ...env }, progress: () => undefined });
}

/** The token endpoint's answer of `status`, parsed with the schema it documents for it. */
async function tokenOf<S extends 200 | 401 = 200>(
  gateway: LocalGateway,
  clientId: string,
  secret: string,
  status: S = 200 as S,
) {
  const response = await fetch(`${gateway.url}/oauth/token`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  return answerTo(response, tokenRoute, status);
}

async function token(gateway: LocalGateway, clientId: string, secret: string) {
  return (await tokenOf(gateway, clientId, secret)).access_token;
}

async function call<T = Record<string, unknown>>(
  gateway: LocalGateway,
  bearer: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; status?: number } = {},
): Promise<T> {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${bearer}`,
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  expect(response.status, `${method} ${path}: ${text}`).toBe(options.status ?? 200);
  return (text ? JSON.parse(text) : {}) as T;
}

interface AuditRecord {
  action: string;
  target?: string;
  outcome: string;
  actor: { clientId: string };
}

/** What system:bootstrap did for the demo (agency, plan, purposes, credential), oldest first. */
async function demoRecords(gateway: LocalGateway, admin: string) {
  const { items } = await call<{ items: AuditRecord[] }>(
    gateway,
    admin,
    'GET',
    '/audit/events?agency=ag_platform&limit=200',
  );
  return items
    .filter(
      (e) => e.actor.clientId === 'system:bootstrap' && ![ADMIN_ID, 'ag_platform'].includes(e.target ?? ''),
    )
    .map((e) => `${e.action} ${e.outcome}`)
    .reverse();
}

const previousPeriod = () => {
  const { periodStart } = periodOf(new Date());
  return periodOf(new Date(periodStart.getTime() - 1)).period;
};

describe('the demo agency of npm start', () => {
  it('is created at the first start: entitled, priced, with a credential that makes each registry call', async () => {
    const gateway = await starter()();
    try {
      const { demo } = gateway;
      expect(demo).toMatchObject({ code: 'DEMO', created: true, seededCalls: 12 });
      expect(demo?.clientSecret).toMatch(/^ndgs_/);
      const issued = await tokenOf(gateway, demo!.clientId!, demo!.clientSecret!);
      expect(issued.scope.split(' ').sort()).toEqual(
        ['business:read', 'business:search', 'citizen:read', 'citizen:verify', 'self:read'].sort(),
      );
      const agency = issued.access_token;
      const purpose = (p: string) => ({ headers: { 'X-Purpose': p, 'X-Officer-Id': 'CB-0042' } });

      const citizen = await call<{ data: { fullName: string } }>(
        gateway,
        agency,
        'GET',
        '/v1/citizens/001099012345',
        purpose(DEMO_PURPOSES['citizen:read']),
      );
      expect(citizen.data.fullName).toBe('Nguyễn Văn An');
      const verified = await call<{ match: boolean }>(gateway, agency, 'POST', '/v1/citizens/verify', {
        ...purpose(DEMO_PURPOSES['citizen:verify']),
        body: { nationalId: '048301000123', fullName: 'Trần Thị Bích', dateOfBirth: '2001-11-02' },
      });
      expect(verified.match).toBe(true);
      const business = await call<{ data: { name: string } }>(
        gateway,
        agency,
        'GET',
        '/v1/businesses/0401234567',
        purpose(DEMO_PURPOSES['business:read']),
      );
      expect(business.data.name).toBe('Công ty Cổ phần Công nghệ Sông Hàn');
      const found = await call<{ items: { enterpriseCode: string }[] }>(
        gateway,
        agency,
        'GET',
        `/v1/businesses?name=${encodeURIComponent('sông hàn')}`,
        purpose(DEMO_PURPOSES['business:search']),
      );
      expect(found.items.map((b) => b.enterpriseCode)).toContain('0401234567');
      // Entitled for the demo purposes only.
      await call(gateway, agency, 'GET', '/v1/citizens/001099012345', {
        ...purpose(DEMO_PURPOSES['business:read']),
        status: 403,
      });

      const admin = await token(gateway, ADMIN_ID, ADMIN_SECRET);
      const listed = await call<{ entitlements: { operation: string; purposes: string[] }[] }>(
        gateway,
        admin,
        'GET',
        `/admin/agencies/${demo!.agencyId}/entitlements`,
      );
      expect(Object.fromEntries(listed.entitlements.map((e) => [e.operation, e.purposes]))).toEqual({
        'citizen:read': ['1.004194'],
        'citizen:verify': ['1.010815'],
        'business:read': ['1.001612'],
        'business:search': ['1.001612'],
      });
      const saved = await call<{ name: string; planCode: string }>(
        gateway,
        admin,
        'GET',
        `/admin/agencies/${demo!.agencyId}`,
      );
      expect(saved).toMatchObject({ name: 'Cơ quan thử nghiệm (demo)', planCode: 'DEMO' });
      const purposes = await call<{ items: { code: string; name: string }[] }>(
        gateway,
        admin,
        'GET',
        '/admin/purposes',
      );
      expect(purposes.items.map((p) => p.code)).toEqual(DEMO_CATALOGUE.map((p) => p.code).sort());
      // Written as an admin's actions are: validated by the admin service and audited, as system:bootstrap.
      expect(await demoRecords(gateway, admin)).toEqual([
        ...DEMO_CATALOGUE.map(() => 'purpose.create done'),
        'plan.create done',
        'agency.create done',
        'entitlements.replace done',
        'agency.plan done',
        'credential.issue done',
      ]);
    } finally {
      await gateway.stop();
    }
  });

  it("meters a dozen calls in the previous month, so that month's statement has lines to close and verify", async () => {
    const gateway = await starter()();
    try {
      const period = previousPeriod();
      const admin = await token(gateway, ADMIN_ID, ADMIN_SECRET);
      const finance = await call<{ clientId: string; clientSecret: string }>(
        gateway,
        admin,
        'POST',
        '/admin/agencies/ag_platform/credentials',
        { body: { scopes: ['billing:read', 'billing:close'] }, status: 201 },
      );
      const fin = await token(gateway, finance.clientId, finance.clientSecret);
      const { statement } = await call<{
        statement: { lines: { operation: string; calls: number; amountVnd: number }[]; totalVnd: number };
      }>(gateway, fin, 'GET', `/billing/statements/${period}?agency=${gateway.demo!.agencyId}`);
      const lines = Object.fromEntries(statement.lines.map((l) => [l.operation, [l.calls, l.amountVnd]]));
      const price = DEMO_PLAN.unitPricesVnd;
      expect(lines).toEqual({
        'citizen:read': [5, 5 * price['citizen:read']!],
        'citizen:verify': [2, 2 * price['citizen:verify']!],
        'business:read': [3, 3 * price['business:read']!],
        'business:search': [2, 2 * price['business:search']!],
      });
      expect(statement.totalVnd).toBe(Math.round(4_700 * 1.1));

      await call(gateway, fin, 'POST', `/billing/periods/${period}/close`);
      const signed = await fetch(
        `${gateway.url}/billing/statements/${period}/signed?agency=${gateway.demo!.agencyId}`,
        { headers: { Authorization: `Bearer ${fin}` } },
      );
      expect(signed.status).toBe(200);
      const jwks = await answerTo(await fetch(`${gateway.url}/.well-known/jwks.json`), jwksRoute);
      await expect(verifyStatementFile(Buffer.from(await signed.arrayBuffer()), jwks)).resolves.toMatchObject(
        { agencyId: gateway.demo!.agencyId, period, totalVnd: 5_170 },
      );
    } finally {
      await gateway.stop();
    }
  });

  it('changes nothing at a restart, prints no secret again, and leaves a revocation or a suspension as it is', async () => {
    const start = starter();
    const first = await start();
    const { agencyId, clientId, clientSecret } = first.demo!;
    let before: string[];
    try {
      before = await demoRecords(first, await token(first, ADMIN_ID, ADMIN_SECRET));
    } finally {
      await first.stop();
    }

    const second = await start();
    try {
      expect(second.demo).toMatchObject({ agencyId, clientId, created: false, seededCalls: 0 });
      expect(second.demo?.clientSecret).toBeUndefined();
      expect(second.demo?.warning).toBeUndefined();
      const admin = await token(second, ADMIN_ID, ADMIN_SECRET);
      expect(await demoRecords(second, admin)).toEqual(before);
      // The secret printed at the first start still works; an admin then revokes the credential.
      await tokenOf(second, clientId!, clientSecret!, 200);
      await call(second, admin, 'DELETE', `/admin/credentials/${clientId}`);
    } finally {
      await second.stop();
    }

    const third = await start();
    try {
      expect(third.demo?.warning).toMatch(/credential ndgc_\w+ is revoked .*leaves it revoked/);
      expect(third.demo?.clientSecret).toBeUndefined();
      await tokenOf(third, clientId!, clientSecret!, 401);
      const admin = await token(third, ADMIN_ID, ADMIN_SECRET);
      await call(third, admin, 'PATCH', `/admin/agencies/${agencyId}`, { body: { status: 'suspended' } });
    } finally {
      await third.stop();
    }

    const fourth = await start();
    try {
      expect(fourth.demo?.warning).toMatch(/Demo agency DEMO is suspended/);
      const admin = await token(fourth, ADMIN_ID, ADMIN_SECRET);
      expect(await call(fourth, admin, 'GET', `/admin/agencies/${agencyId}`)).toMatchObject({
        status: 'suspended',
      });
    } finally {
      await fourth.stop();
    }
  });

  it('is not created with DEMO_AGENCY=0, and never takes over an agency DEMO an admin made', async () => {
    const start = starter();
    const off = await start({ DEMO_AGENCY: '0' });
    let adminsDemo: string;
    try {
      expect(off.demo).toBeUndefined();
      const { Item } = await off.deps.store.send(
        new GetCommand({ TableName: off.deps.tables.control, Key: controlKeys.agencyCode('DEMO') }),
      );
      expect(Item).toBeUndefined();
      const admin = await token(off, ADMIN_ID, ADMIN_SECRET);
      adminsDemo = (
        await call<{ id: string }>(off, admin, 'POST', '/admin/agencies', {
          body: { code: 'DEMO', name: 'Một cơ quan tên DEMO' },
          status: 201,
        })
      ).id;
    } finally {
      await off.stop();
    }

    const on = await start();
    try {
      expect(on.demo?.warning).toMatch(/an agency with code DEMO exists that npm start did not create/);
      expect(on.demo?.clientId).toBeUndefined();
      const admin = await token(on, ADMIN_ID, ADMIN_SECRET);
      expect(
        await call<{ items: unknown[] }>(on, admin, 'GET', `/admin/agencies/${adminsDemo}/credentials`),
      ).toEqual({ items: [] });
      expect(
        await call<{ entitlements: unknown[] }>(
          on,
          admin,
          'GET',
          `/admin/agencies/${adminsDemo}/entitlements`,
        ),
      ).toEqual({ entitlements: [] });
    } finally {
      await on.stop();
    }
  });

  it('finishes a demo whose first start died just after creating the agency, instead of disowning it', async () => {
    const start = starter();
    const off = await start({ DEMO_AGENCY: '0' });
    try {
      // What the first start left: its marker saying it was creating, and the agency it created.
      await off.deps.store.send(
        new PutCommand({
          TableName: off.deps.tables.control,
          Item: { pk: 'DEMO', sk: 'DEMO', creating: true },
        }),
      );
      const admin = await token(off, ADMIN_ID, ADMIN_SECRET);
      await call(off, admin, 'POST', '/admin/agencies', { body: DEMO_AGENCY, status: 201 });
    } finally {
      await off.stop();
    }
    const on = await start();
    try {
      expect(on.demo?.warning).toBeUndefined();
      expect(on.demo).toMatchObject({ created: true, seededCalls: 12 });
      expect(on.demo?.clientSecret).toBeDefined();
      const demo = await token(on, on.demo!.clientId!, on.demo!.clientSecret!);
      const me = await call<{ agency: { id: string; code: string } }>(on, demo, 'GET', '/me');
      expect(me.agency).toEqual(expect.objectContaining({ id: on.demo!.agencyId, code: 'DEMO' }));
    } finally {
      await on.stop();
    }
  });
});
