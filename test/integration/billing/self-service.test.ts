import { beforeAll, describe, expect, inject, it } from 'vitest';
import { budgetsRoute, statementRoute, usageRoute } from '../../../functions/billing/routes';
import {
  CALLS_SCAN_LIMIT,
  getMeRoute,
  getMyStatementRoute,
  getMyUsageRoute,
  listMyCallsRoute,
} from '../../../functions/billing/self-routes';
import { jwksRoute } from '../../../functions/token/discovery';
import { verifyStatementFile } from '../../../shared/billing/signed';
import { answerTo, issuedCredentialOf, problemOf, wholeAnswerTo } from '../../support/answers';
import { createTestGateway, TEST_PURPOSES, type TestGateway } from '../../support/gateway';

// 20/11/2026 10:00 in Hà Nội: November is the open month.
let clock = new Date('2026-11-20T03:00:00Z');
let gw: TestGateway;
let admin: string;
let finance: string;

const AN = '001099012345';
const BICH = '048301000123';
const BUSINESS = '0401234567';

interface Agency {
  agencyId: string;
  clientId: string;
  clientSecret: string;
  /** A token with the registry scopes and self:read. */
  token: string;
  /** A token with self:read only. */
  self: string;
}

let lan: Agency;
let other: Agency;
let idle: { agencyId: string; self: string };
let financeCredential: [string, string];

async function agency(
  code: string,
  entitlements: { operation: 'citizen:read' | 'business:read'; purposes: string[] }[],
): Promise<Agency> {
  const a = await gw.agencyWithCredential({
    code,
    name: `Sở thử nghiệm ${code}`,
    entitlements,
    scopes: [...entitlements.map((e) => e.operation), 'self:read'],
  });
  return {
    ...a,
    token: await gw.token(a.clientId, a.clientSecret),
    self: await gw.token(a.clientId, a.clientSecret, 'self:read'),
  };
}

const lookup = (token: string, path: string, headers: Record<string, string>) =>
  gw.call(token, 'GET', path, undefined, headers);

async function problem(response: Response, status: number) {
  const answer = await problemOf(response, status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return answer;
}

/** Moves the clock and takes fresh tokens at the new time (tokens live ten minutes). */
async function setClock(iso: string) {
  clock = new Date(iso);
  admin = await gw.adminToken();
  finance = await gw.token(...financeCredential);
  lan.self = await gw.token(lan.clientId, lan.clientSecret, 'self:read');
}

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'), { now: () => clock });
  admin = await gw.adminToken();
  const issued = await gw.call(admin, 'POST', '/admin/agencies/ag_platform/credentials', {
    scopes: ['billing:read', 'billing:close'],
  });
  const credential = await issuedCredentialOf(issued);
  financeCredential = [credential.clientId, credential.clientSecret];
  finance = await gw.token(...financeCredential);

  lan = await agency('SELF-LAN', [
    { operation: 'citizen:read', purposes: ['1.001', '1.002'] },
    { operation: 'business:read', purposes: ['2.001'] },
  ]);
  other = await agency('SELF-OTHER', [{ operation: 'citizen:read', purposes: ['1.001'] }]);
  const quiet = await gw.agencyWithCredential({ code: 'SELF-IDLE', entitlements: [], scopes: ['self:read'] });
  idle = { agencyId: quiet.agencyId, self: await gw.token(quiet.clientId, quiet.clientSecret) };

  await gw.plan('SELF', {
    quota: 1_000,
    unitPricesVnd: { 'citizen:read': 500, 'business:read': 300 },
    agencies: [lan.agencyId],
  });
  const capped = await gw.call(admin, 'PUT', `/admin/agencies/${lan.agencyId}/budget`, {
    capVnd: 100_000,
    enforce: false,
  });
  expect(capped.status).toBe(200);
  // The plan and the budget changed the agency's policy: its tokens are taken again.
  lan.token = await gw.token(lan.clientId, lan.clientSecret);
  lan.self = await gw.token(lan.clientId, lan.clientSecret, 'self:read');

  const calls: [string, string, Record<string, string>][] = [
    [lan.token, `/v1/citizens/${AN}`, { 'X-Purpose': '1.001', 'X-Officer-Id': 'CB-1', 'X-Case-Id': 'HS-1' }],
    [
      lan.token,
      `/v1/citizens/${BICH}`,
      { 'X-Purpose': '1.001', 'X-Officer-Id': 'CB-1', 'X-Case-Id': 'HS-2' },
    ],
    [lan.token, `/v1/citizens/${AN}`, { 'X-Purpose': '1.002', 'X-Officer-Id': 'CB-2', 'X-Case-Id': 'HS-1' }],
    [lan.token, `/v1/businesses/${BUSINESS}`, { 'X-Purpose': '2.001', 'X-Officer-Id': 'CB-2' }],
    [other.token, `/v1/citizens/${AN}`, { 'X-Purpose': '1.001', 'X-Officer-Id': 'CB-9' }],
    // Refused (a purpose the agency is not entitled to): recorded, not metered.
    [lan.token, `/v1/citizens/${AN}`, { 'X-Purpose': '9.999', 'X-Officer-Id': 'CB-1' }],
  ];
  // A second apart, so that newest first is the reverse of this order.
  for (const [i, [token, path, headers]] of calls.entries()) {
    clock = new Date(Date.parse('2026-11-20T03:00:00Z') + i * 1000);
    expect((await lookup(token, path, headers)).status, path).toBe(i < calls.length - 1 ? 200 : 403);
  }
  // The daily and per-purpose breakdown is counted as the sealer appends the calls' records.
  await gw.seal();
});

describe('GET /me', () => {
  it("shows the agency, its plan, entitlements with the purposes' names, and this month's calls and budget", async () => {
    const me = await wholeAnswerTo(await gw.call(lan.self, 'GET', '/me'), getMeRoute);
    expect(me.agency).toEqual({
      id: lan.agencyId,
      code: 'SELF-LAN',
      name: 'Sở thử nghiệm SELF-LAN',
      status: 'active',
    });
    expect(me.plan).toMatchObject({
      code: 'SELF',
      version: 1,
      name: 'Gói thử SELF',
      rateLimit: { perSecond: 100, burst: 100 },
      monthlyQuota: 1_000,
      unitPricesVnd: { 'citizen:read': 500, 'business:read': 300 },
    });
    expect(me.limits).toEqual({
      source: 'plan',
      rateLimit: { perSecond: 100, burst: 100 },
      monthlyQuota: 1_000,
    });
    expect(me.entitlements).toEqual([
      {
        operation: 'citizen:read',
        purposes: [
          { code: '1.001', name: TEST_PURPOSES['1.001']!.name },
          { code: '1.002', name: TEST_PURPOSES['1.002']!.name },
        ],
      },
      { operation: 'business:read', purposes: [{ code: '2.001', name: TEST_PURPOSES['2.001']!.name }] },
    ]);

    const budgets = await wholeAnswerTo(
      await gw.call(finance, 'GET', '/billing/budgets/2026-11'),
      budgetsRoute,
    );
    const {
      agencyId: _id,
      agencyName: _name,
      ...budget
    } = budgets.items.find((i) => i.agencyId === lan.agencyId)!;
    // 3 citizen reads at 500 and a business read at 300, plus 10% VAT: what finance sees.
    expect(budget).toMatchObject({ capVnd: 100_000, spentVnd: 1_980 });
    expect(me.month).toEqual({ period: '2026-11', calls: 4, billable: 4, quotaRemaining: 996, budget });
  });

  it('says which limits apply to an agency with no plan and no budget: the platform defaults', async () => {
    const me = await wholeAnswerTo(await gw.call(idle.self, 'GET', '/me'), getMeRoute);
    const { config } = gw.deps;
    expect(me.plan).toBeNull();
    expect(me.limits).toEqual({
      source: 'default',
      rateLimit: {
        perSecond: config.DEFAULT_RATE_PER_SECOND,
        burst: Math.max(config.DEFAULT_RATE_BURST, config.DEFAULT_RATE_PER_SECOND),
      },
      monthlyQuota: config.DEFAULT_MONTHLY_QUOTA,
    });
    expect(me.entitlements).toEqual([]);
    expect(me.month).toEqual({
      period: '2026-11',
      calls: 0,
      billable: 0,
      quotaRemaining: config.DEFAULT_MONTHLY_QUOTA,
      budget: null,
    });
  });

  it("answers each agency with its own account, whoever else's id is asked for", async () => {
    const mine = await answerTo(await gw.call(other.self, 'GET', '/me'), getMeRoute);
    expect(mine.agency.id).toBe(other.agencyId);
    expect(mine.month.calls).toBe(1);
    const asked = await gw.call(other.self, 'GET', `/me?agency=${lan.agencyId}`);
    expect((await problem(asked, 400)).detail).toContain('takes no agency parameter');
  });
});

describe('GET /me/usage', () => {
  it('answers exactly what finance reads at /billing/usage for the agency, by month and by day', async () => {
    for (const query of ['from=2026-11&to=2026-11', 'granularity=day&from=2026-11-01&to=2026-11-30', '']) {
      const mine = await wholeAnswerTo(await gw.call(lan.self, 'GET', `/me/usage?${query}`), getMyUsageRoute);
      const finances = await wholeAnswerTo(
        await gw.call(finance, 'GET', `/billing/usage?agency=${lan.agencyId}&${query}`),
        usageRoute,
      );
      expect(mine, query).toEqual(finances);
    }
    const month = await answerTo(
      await gw.call(lan.self, 'GET', '/me/usage?from=2026-11&to=2026-11'),
      getMyUsageRoute,
    );
    expect(month.items).toEqual([
      expect.objectContaining({
        agencyId: lan.agencyId,
        calls: 4,
        billable: 4,
        purposes: { 'citizen:read': { '1.001': 2, '1.002': 1 }, 'business:read': { '2.001': 1 } },
      }),
    ]);
    expect(month.purposeNames).toEqual({
      '1.001': TEST_PURPOSES['1.001']!.name,
      '1.002': TEST_PURPOSES['1.002']!.name,
      '2.001': TEST_PURPOSES['2.001']!.name,
    });
  });

  it('refuses an agency parameter, a range that ends before it starts, and a malformed month', async () => {
    const widened = await gw.call(lan.self, 'GET', `/me/usage?agency=${other.agencyId}`);
    expect((await problem(widened, 400)).detail).toContain('takes no agency parameter');
    const backwards = await gw.call(lan.self, 'GET', '/me/usage?from=2026-11&to=2026-10');
    expect((await problem(backwards, 400)).detail).toBe('from (2026-11) is after to (2026-10).');
    expect((await gw.call(lan.self, 'GET', '/me/usage?from=2026-13')).status).toBe(400);
    // Any agency may ask, so a shorter span than finance's 240 months: three years.
    const decade = await gw.call(lan.self, 'GET', '/me/usage?from=2016-11&to=2026-11');
    expect((await problem(decade, 400)).detail).toBe(
      'from (2016-11) to (2026-11) spans 121 months; ask for at most 36 at a time.',
    );
    expect((await gw.call(lan.self, 'GET', '/me/usage?from=2023-12&to=2026-11')).status).toBe(200);
  });
});

describe('GET /me/statements/{period}', () => {
  it("gives the agency's statement as finance sees it, as JSON and as CSV", async () => {
    const mine = await wholeAnswerTo(
      await gw.call(lan.self, 'GET', '/me/statements/2026-11'),
      getMyStatementRoute,
    );
    const finances = await wholeAnswerTo(
      await gw.call(finance, 'GET', `/billing/statements/2026-11?agency=${lan.agencyId}`),
      statementRoute,
    );
    expect(mine).toEqual(finances);
    expect(mine).toMatchObject({ status: 'open', statement: { agencyId: lan.agencyId, totalVnd: 1_980 } });

    const csv = await gw.call(lan.self, 'GET', '/me/statements/2026-11', undefined, { Accept: 'text/csv' });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const financeCsv = await gw.call(
      finance,
      'GET',
      `/billing/statements/2026-11?agency=${lan.agencyId}`,
      undefined,
      {
        Accept: 'text/csv',
      },
    );
    expect(await csv.text()).toBe(await financeCsv.text());
  });

  it('refuses a period that is not a month', async () => {
    const response = await gw.call(lan.self, 'GET', '/me/statements/2026-1');
    expect((await problem(response, 400)).detail).toContain('a month is YYYY-MM');
  });
});

describe('GET /me/calls', () => {
  it("lists the agency's own calls, served and refused, newest first, with the purpose's name", async () => {
    const { calls, nextCursor } = await answerTo(
      await gw.call(lan.self, 'GET', '/me/calls'),
      listMyCallsRoute,
    );
    expect(nextCursor).toBeUndefined();
    expect(calls.map((c) => [c.operation, c.purpose, c.officerId, c.outcome, c.status])).toEqual([
      ['citizen:read', '9.999', 'CB-1', 'refused', 403],
      ['business:read', '2.001', 'CB-2', 'served', 200],
      ['citizen:read', '1.002', 'CB-2', 'served', 200],
      ['citizen:read', '1.001', 'CB-1', 'served', 200],
      ['citizen:read', '1.001', 'CB-1', 'served', 200],
    ]);
    expect(calls[3]).toMatchObject({
      subject: BICH,
      caseId: 'HS-2',
      purposeName: TEST_PURPOSES['1.001']!.name,
      billable: true,
      at: '2026-11-20T03:00:01.000Z',
    });
    expect(typeof calls[3]?.requestId).toBe('string');
    // The refused call's purpose is in the catalogue too; a call carries its reason.
    expect(calls[0]).toMatchObject({ purposeName: TEST_PURPOSES['9.999']!.name });
    expect(String(calls[0]?.reason)).toContain('9.999');

    const others = await answerTo(await gw.call(other.self, 'GET', '/me/calls'), listMyCallsRoute);
    expect(others.calls.map((c) => c.officerId)).toEqual(['CB-9']);
  });

  it('filters by officer and by case', async () => {
    const byOfficer = await answerTo(
      await gw.call(lan.self, 'GET', '/me/calls?officer=CB-2'),
      listMyCallsRoute,
    );
    expect(byOfficer.calls.map((c) => c.purpose)).toEqual(['2.001', '1.002']);
    const byCase = await answerTo(await gw.call(lan.self, 'GET', '/me/calls?case=HS-1'), listMyCallsRoute);
    expect(byCase.calls.map((c) => [c.officerId, c.subject])).toEqual([
      ['CB-2', AN],
      ['CB-1', AN],
    ]);
    const both = await answerTo(
      await gw.call(lan.self, 'GET', '/me/calls?officer=CB-1&case=HS-1'),
      listMyCallsRoute,
    );
    expect(both.calls).toHaveLength(1);
    const nobody = await answerTo(await gw.call(lan.self, 'GET', '/me/calls?officer=CB-9'), listMyCallsRoute);
    expect(nobody.calls).toEqual([]);
  });

  it('pages with a cursor that resumes where the last page ended, filtered or not', async () => {
    const all = await answerTo(await gw.call(lan.self, 'GET', '/me/calls'), listMyCallsRoute);
    for (const filter of ['', '&officer=CB-1']) {
      const seen: unknown[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await answerTo(
          await gw.call(lan.self, 'GET', `/me/calls?limit=2${filter}${cursor ? `&cursor=${cursor}` : ''}`),
          listMyCallsRoute,
        );
        expect(page.calls.length).toBeLessThanOrEqual(2);
        seen.push(...page.calls.map((c) => c.requestId));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor && pages < 10);
      const expected = all.calls.filter((c) => !filter || c.officerId === 'CB-1').map((c) => c.requestId);
      expect(seen, filter).toEqual(expected);
    }
  });

  it('narrows to a time range and refuses a range that ends before it starts, or a forged cursor', async () => {
    const before = await answerTo(
      await gw.call(lan.self, 'GET', '/me/calls?to=2026-11-19'),
      listMyCallsRoute,
    );
    expect(before.calls).toEqual([]);
    const day = await answerTo(
      await gw.call(lan.self, 'GET', '/me/calls?from=2026-11-20&to=2026-11-20'),
      listMyCallsRoute,
    );
    expect(day.calls).toHaveLength(5);
    const backwards = await gw.call(lan.self, 'GET', '/me/calls?from=2026-11-21&to=2026-11-20');
    expect((await problem(backwards, 400)).detail).toContain('from (2026-11-21) is after to (2026-11-20)');
    const forged = await gw.call(lan.self, 'GET', '/me/calls?cursor=bm90LWEtY3Vyc29y');
    expect((await problem(forged, 400)).detail).toContain('The cursor is not one this gateway issued');
    // A cursor of another agency's answer only moves within the caller's own calls.
    const theirs = await answerTo(await gw.call(other.self, 'GET', '/me/calls?limit=1'), listMyCallsRoute);
    expect(theirs.nextCursor).toBeUndefined();
  });
});

describe('GET /me/calls over many records', () => {
  it('reads at most 1,000 records an answer: a sparse filter gives a short page and a cursor to go on', async () => {
    const busy = await agency('SELF-BUSY', [{ operation: 'citizen:read', purposes: ['1.001'] }]);
    const { policyVersion, ledgerLanes } = (await gw.deps.control.getAgency(busy.agencyId))!;
    const start = Date.parse('2026-11-10T03:00:00Z');
    const total = CALLS_SCAN_LIMIT + 50;
    // The two oldest calls are the rare officer's; every later one is someone else's.
    const commit = (i: number) =>
      gw.commit({
        requestId: `busy-${String(i).padStart(5, '0')}`,
        at: new Date(start + i * 1000),
        clientId: busy.clientId,
        agencyId: busy.agencyId,
        policyVersion,
        limits: {
          plan: 'NONE',
          planVersion: 0,
          monthlyQuota: 10_000,
          ratePerSecond: 10_000,
          burst: 10_000,
          lanes: ledgerLanes,
        },
        operation: 'citizen:read',
        purpose: '1.001',
        subject: AN,
        officerId: i < 2 ? 'CB-RARE' : 'CB-BUSY',
        fingerprint: `f${i}`,
        status: 200,
      });
    for (let i = 0; i < total; i += 25) {
      await Promise.all(Array.from({ length: Math.min(25, total - i) }, (_, k) => commit(i + k)));
    }
    const self = await gw.token(busy.clientId, busy.clientSecret, 'self:read');

    const first = await answerTo(await gw.call(self, 'GET', '/me/calls?officer=CB-RARE'), listMyCallsRoute);
    expect(first.calls).toEqual([]);
    expect(first.nextCursor).toBeDefined();
    const second = await answerTo(
      await gw.call(self, 'GET', `/me/calls?officer=CB-RARE&cursor=${first.nextCursor}`),
      listMyCallsRoute,
    );
    expect(second.calls.map((c) => c.requestId)).toEqual(['busy-00001', 'busy-00000']);
    expect(second.nextCursor).toBeUndefined();
    // Unfiltered, a page is full.
    const page = await answerTo(await gw.call(self, 'GET', '/me/calls?limit=200'), listMyCallsRoute);
    expect(page.calls).toHaveLength(200);
    // 1,050 ledger transactions: ~15 s alone, longer while the other suites share the two cores.
  }, 120_000);
});

describe('self:read', () => {
  it('is granted to any agency without an entitlement, and reads nothing under /billing, /audit or /v1', async () => {
    for (const [path, scope] of [
      [`/billing/usage?agency=${lan.agencyId}`, 'billing:read or billing:close'],
      [`/billing/statements/2026-11?agency=${lan.agencyId}`, 'billing:read or billing:close'],
      [`/audit/events?agency=${lan.agencyId}`, 'audit:read'],
      [`/audit/subjects/${AN}/history`, 'audit:read'],
    ] as const) {
      const response = await gw.call(lan.self, 'GET', path);
      expect((await problem(response, 403)).detail, path).toBe(
        `This route needs scope ${scope}; the token has self:read.`,
      );
    }
    const registry = await lookup(lan.self, `/v1/citizens/${AN}`, { 'X-Purpose': '1.001' });
    expect(registry.status).toBe(403);
  });

  it('is needed for /me: a finance or registry token is refused there', async () => {
    const registryOnly = await gw.token(other.clientId, other.clientSecret, 'citizen:read');
    for (const token of [finance, registryOnly]) {
      for (const path of ['/me', '/me/usage', '/me/statements/2026-11', '/me/calls']) {
        const response = await gw.call(token, 'GET', path);
        expect((await problem(response, 403)).detail, path).toContain('This route needs scope self:read');
      }
    }
    expect((await gw.call('not-a-token', 'GET', '/me')).status).toBe(401);
  });

  it("stops working at once when the agency's credential is revoked", async () => {
    const extra = await gw.call(admin, 'POST', `/admin/agencies/${other.agencyId}/credentials`, {
      scopes: ['self:read'],
    });
    const { clientId, clientSecret } = await issuedCredentialOf(extra);
    const token = await gw.token(clientId, clientSecret);
    expect((await gw.call(token, 'GET', '/me')).status).toBe(200);
    expect((await gw.call(admin, 'DELETE', `/admin/credentials/${clientId}`)).status).toBe(200);
    expect((await gw.call(token, 'GET', '/me')).status).toBe(401);
  });
});

describe('GET /me/statements/{period}/signed', () => {
  it('is 404 while the month is open, then the signed file finance closed, which verifies offline', async () => {
    const open = await gw.call(lan.self, 'GET', '/me/statements/2026-11/signed');
    expect((await problem(open, 404)).detail).toBe(
      'Period 2026-11 is not closed yet: there is no signed statement.',
    );

    await setClock('2026-12-01T01:00:00Z'); // 01/12 08:00 in Hà Nội: November has ended
    expect((await gw.call(finance, 'POST', '/billing/periods/2026-11/close')).status).toBe(200);

    const signed = await gw.call(lan.self, 'GET', '/me/statements/2026-11/signed');
    expect(signed.status).toBe(200);
    expect(signed.headers.get('content-disposition')).toBe(
      `attachment; filename="statement-${lan.agencyId}-2026-11.json"`,
    );
    const bytes = Buffer.from(await signed.arrayBuffer());
    const financeFile = await gw.call(
      finance,
      'GET',
      `/billing/statements/2026-11/signed?agency=${lan.agencyId}`,
    );
    expect(bytes.equals(Buffer.from(await financeFile.arrayBuffer()))).toBe(true);
    const jwks = await answerTo(await gw.app.request('/.well-known/jwks.json'), jwksRoute);
    await expect(verifyStatementFile(bytes, jwks as never)).resolves.toMatchObject({
      agencyId: lan.agencyId,
      period: '2026-11',
      totalVnd: 1_980,
    });
    const closed = await answerTo(
      await gw.call(lan.self, 'GET', '/me/statements/2026-11'),
      getMyStatementRoute,
    );
    expect(closed.status).toBe('closed');
  });
});
