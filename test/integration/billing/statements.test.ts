import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { listPlansRoute } from '../../../functions/admin/routes';
import {
  closePeriodRoute,
  statementEntriesRoute,
  statementRoute,
  summaryRoute,
} from '../../../functions/billing/routes';
import { jwksRoute } from '../../../functions/token/discovery';
import { canonicalJson, sha256Hex } from '../../../shared/audit/canonical';
import { type SignedStatement, verifyStatementFile } from '../../../shared/billing/signed';
import type { Operation } from '../../../shared/identity/model';
import { counterNames } from '../../../shared/ledger/counters';
import { laneKeys } from '../../../shared/storage/keys/ledger';
import { answerTo, issuedCredentialOf, wholeAnswerTo } from '../../support/answers';
import { createTestGateway, type TestGateway } from '../../support/gateway';

// 30/11 23:50 in Hà Nội: November has not ended yet.
let clock = new Date('2026-11-30T16:50:00Z');
let gw: TestGateway;
let finance: string;
let reader: string;
const danang = { name: 'Bảo hiểm xã hội thành phố Đà Nẵng', agencyId: '', clientId: '' };
let noPlanAgency = '';
let idleAgency = '';
const citizenIds: string[] = [];

const std = {
  code: 'STD',
  name: 'Gói tiêu chuẩn',
  rateLimit: { perSecond: 100, burst: 100 },
  monthlyQuota: 1_000,
  includedCalls: 2,
  monthlyFeeVnd: 1_000_000,
  unitPricesVnd: { 'business:read': 300 },
  tiersVnd: { 'citizen:read': [{ upTo: 3, priceVnd: 500 }, { priceVnd: 200 }] },
};

const commit = (
  agency: { agencyId: string; clientId: string },
  at: string,
  operation: Operation,
  status = 200,
): Promise<string> => gw.meter(agency, at, { operation, status });

let credentials: { finance: [string, string]; reader: [string, string] };

/** Moves the clock (tokens live ten minutes, so finance gets fresh ones at the new time). */
async function setClock(iso: string) {
  clock = new Date(iso);
  finance = await gw.token(...credentials.finance);
  reader = await gw.token(...credentials.reader);
}

const statementOf = (agencyId: string, period: string) =>
  gw.call(finance, 'GET', `/billing/statements/${period}?agency=${agencyId}`);

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'), { now: () => clock });
  const admin = await gw.adminToken();
  const credential = async (scopes: string[]): Promise<[string, string]> => {
    const issued = await gw.call(admin, 'POST', '/admin/agencies/ag_platform/credentials', { scopes });
    const { clientId, clientSecret } = await issuedCredentialOf(issued);
    return [clientId, clientSecret];
  };
  credentials = {
    finance: await credential(['billing:read', 'billing:close']),
    reader: await credential(['billing:read']),
  };
  await setClock(clock.toISOString());

  const entitlements = [
    { operation: 'citizen:read' as const, purposes: ['1.001'] },
    { operation: 'business:read' as const, purposes: ['1.001'] },
  ];
  const a = await gw.agencyWithCredential({
    code: 'BHXH-DN',
    name: danang.name,
    entitlements,
    scopes: ['citizen:read', 'business:read'],
  });
  Object.assign(danang, a);
  const b = await gw.agencyWithCredential({ code: 'NO-PLAN', entitlements, scopes: ['citizen:read'] });
  noPlanAgency = b.agencyId;
  idleAgency = (await gw.agencyWithCredential({ code: 'IDLE', entitlements, scopes: ['citizen:read'] }))
    .agencyId;

  expect((await gw.call(admin, 'POST', '/admin/plans', std)).status).toBe(201);
  expect(
    (await gw.call(admin, 'PUT', `/admin/agencies/${danang.agencyId}/plan`, { planCode: 'STD' })).status,
  ).toBe(200);

  await commit(danang, '2026-10-31T16:59:59Z', 'citizen:read'); // 31/10 23:59:59 +07: October
  for (const at of [
    '2026-10-31T17:00:00Z',
    '2026-11-02T03:00:00Z',
    '2026-11-03T03:00:00Z',
    '2026-11-04T03:00:00Z',
  ]) {
    citizenIds.push(await commit(danang, at, 'citizen:read')); // STD@1, the first at 01/11 00:00 +07
  }
  await commit(danang, '2026-11-05T03:00:00Z', 'business:read', 404);
  await commit(danang, '2026-11-05T04:00:00Z', 'business:read');

  // The price changes mid-month: STD@2, no included calls, citizen:read at 100 flat, a higher fee.
  const v2 = {
    ...std,
    includedCalls: 0,
    monthlyFeeVnd: 2_000_000,
    tiersVnd: {},
    unitPricesVnd: { 'citizen:read': 100 },
  };
  expect((await gw.call(admin, 'POST', '/admin/plans', v2)).status).toBe(201);
  for (const at of ['2026-11-20T03:00:00Z', '2026-11-25T03:00:00Z', '2026-11-30T16:59:59Z']) {
    citizenIds.push(await commit(danang, at, 'citizen:read')); // STD@2, the last at 30/11 23:59:59 +07
  }
  await commit(danang, '2026-11-30T17:00:00Z', 'citizen:read'); // 01/12 00:00 +07: December

  await commit(b, '2026-11-10T03:00:00Z', 'citizen:read');
});

describe('price plans with tiers', () => {
  it('keeps each version with its graduated tiers; a price change made a new version', async () => {
    const admin = await gw.adminToken();
    const { items } = await answerTo(await gw.call(admin, 'GET', '/admin/plans'), listPlansRoute);
    expect(items.find((p) => p.code === 'STD')).toMatchObject({ version: 2 });
    expect(await gw.deps.plans.version('STD', 1)).toMatchObject({ tiersVnd: std.tiersVnd });
  });

  it('refuses tiers that do not ascend or do not end open', async () => {
    const admin = await gw.adminToken();
    const response = await gw.call(admin, 'POST', '/admin/plans', {
      ...std,
      code: 'BAD-TIERS',
      tiersVnd: {
        'citizen:read': [
          { upTo: 10, priceVnd: 5 },
          { upTo: 5, priceVnd: 4 },
        ],
      },
    });
    expect(response.status).toBe(400);
  });
});

describe('monthly statement', () => {
  it('prices each plan-version slice with its own tiers and charges the fee of the version in force at month end', async () => {
    const { status, statement } = await answerTo(
      await statementOf(danang.agencyId, '2026-11'),
      statementRoute,
    );
    expect(status).toBe('open');
    const citizen = statement.lines.find((l) => l.operation === 'citizen:read');
    // STD@2 is the fee plan (no included calls). STD@1's 4 calls: positions 1-3 at 500, 4 at 200;
    // STD@2's 3 calls: positions 5-7 at its flat 100.
    expect(
      citizen?.tiers.map((t) => [
        `${t.plan}@${t.version}`,
        t.fromCall,
        t.toCall,
        t.unitPriceVnd,
        t.amountVnd,
      ]),
    ).toEqual([
      ['STD@1', 1, 3, 500, 1_500],
      ['STD@1', 4, 4, 200, 200],
      ['STD@2', 5, 7, 100, 300],
    ]);
    expect(statement.lines.find((l) => l.operation === 'business:read')).toMatchObject({
      calls: 2,
      billable: 1,
      amountVnd: 300,
    });
    expect(statement).toMatchObject({
      agencyName: danang.name,
      plans: [
        { code: 'STD', version: 1, name: 'Gói tiêu chuẩn' },
        { code: 'STD', version: 2, name: 'Gói tiêu chuẩn' },
      ],
      feePlan: { code: 'STD', version: 2 },
      usageVnd: 2_300,
      monthlyFeeVnd: 2_000_000,
      subtotalVnd: 2_002_300,
      vatPercent: 10,
      vatVnd: 200_230,
      totalVnd: 2_202_530,
    });
  });

  it('counts the calls of the month between midnights in Asia/Ho_Chi_Minh', async () => {
    const { statement } = await answerTo(await statementOf(danang.agencyId, '2026-11'), statementRoute);
    expect(statement.lines.find((l) => l.operation === 'citizen:read')?.calls).toBe(7);
    const october = await answerTo(await statementOf(danang.agencyId, '2026-10'), statementRoute);
    expect(october.statement.lines.map((l) => [l.operation, l.calls])).toEqual([['citizen:read', 1]]);
  });

  it('downloads as UTF-8 CSV with a byte order mark, Vietnamese intact', async () => {
    const response = await gw.call(
      finance,
      'GET',
      `/billing/statements/2026-11?agency=${danang.agencyId}`,
      undefined,
      {
        Accept: 'text/csv',
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/csv; charset=utf-8');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text).toContain(danang.name);
    expect(text).toContain('Tổng cộng / Total,,,,,,,,,2202530');
  });

  it('lists the request ids behind a line, page by page, as JSON or CSV', async () => {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await answerTo(
        await gw.call(
          finance,
          'GET',
          `/billing/statements/2026-11/entries?agency=${danang.agencyId}&operation=citizen:read&limit=3${
            cursor ? `&cursor=${cursor}` : ''
          }`,
        ),
        statementEntriesRoute,
      );
      expect(page.items.length).toBeLessThanOrEqual(3);
      ids.push(...page.items.map((i) => i.requestId));
      cursor = page.cursor;
    } while (cursor);
    expect(ids).toEqual(citizenIds);

    const csv = await gw.call(
      finance,
      'GET',
      `/billing/statements/2026-11/entries?agency=${danang.agencyId}&operation=business:read`,
      undefined,
      { Accept: 'text/csv' },
    );
    const rows = (await csv.text())
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(rows[0]).toBe('requestId,at,operation,purpose,status,billable,plan,idempotencyKey');
    expect(rows.slice(1).map((r) => r.split(',').slice(2, 7))).toEqual([
      ['business:read', '1.001', '404', 'no', 'STD@1'],
      ['business:read', '1.001', '200', 'yes', 'STD@1'],
    ]);
  });

  it('refuses a malformed month, a missing agency or a cursor it did not issue', async () => {
    expect(
      (await gw.call(finance, 'GET', `/billing/statements/2026-13?agency=${danang.agencyId}`)).status,
    ).toBe(400);
    expect((await gw.call(finance, 'GET', '/billing/statements/2026-11')).status).toBe(400);
    expect((await gw.call(finance, 'GET', '/billing/statements/2026-11?agency=ag_nosuchagency')).status).toBe(
      404,
    );
    const forged = Buffer.from(
      JSON.stringify({ pk: 'x', sk: 'y', gsi1pk: 'AUDIT#AGENCY#ag_other', gsi1sk: 'z' }),
    ).toString('base64url');
    for (const cursor of ['not-a-cursor', forged]) {
      const response = await gw.call(
        finance,
        'GET',
        `/billing/statements/2026-11/entries?agency=${danang.agencyId}&cursor=${cursor}`,
      );
      expect(response.status).toBe(400);
    }
  });
});

describe('finance view', () => {
  it('totals a month by agency, operation and purpose, top spenders first', async () => {
    // Purposes are counted from the sealed audit log.
    await gw.seal();
    const summary = await wholeAnswerTo(
      await gw.call(finance, 'GET', '/billing/summary/2026-11?top=1'),
      summaryRoute,
    );
    expect(summary.agencies.map((a) => [a.agencyId, a.calls, a.totalVnd]).sort()).toEqual(
      [
        [danang.agencyId, 9, 2_202_530],
        [noPlanAgency, 1, 0],
      ].sort(),
    );
    expect(summary.totalVnd).toBe(2_202_530);
    expect(summary.byOperation['citizen:read']).toEqual({ calls: 8, billable: 8, amountVnd: 2_000 });
    expect(summary.byPurpose['citizen:read']).toEqual({ '1.001': 8 });
    expect(summary.topAgencies.map((a) => a.agencyId)).toEqual([danang.agencyId]);
  });
});

describe('closing a period', () => {
  it('is refused before the month has ended in Asia/Ho_Chi_Minh', async () => {
    await setClock('2026-11-30T16:59:59Z'); // 30/11 23:59:59 +07
    const response = await gw.call(finance, 'POST', '/billing/periods/2026-11/close');
    expect(response.status).toBe(409);
    expect(response.headers.get('Content-Type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ endsAt: '2026-11-30T17:00:00.000Z' });
  });

  it('needs scope billing:close', async () => {
    await setClock('2026-11-30T17:00:00Z');
    expect((await gw.call(reader, 'POST', '/billing/periods/2026-11/close')).status).toBe(403);
  });

  let closed: { closedAt: string; statements: SignedStatement[] };

  it('stores, hashes and signs the statement of every agency with usage once the month has ended', async () => {
    await setClock('2026-11-30T17:00:00Z'); // 01/12 00:00 +07
    const response = await gw.call(finance, 'POST', '/billing/periods/2026-11/close');
    closed = await answerTo(response.clone(), closePeriodRoute);
    expect(closed.statements.map((s) => s.statement.agencyId).sort()).toEqual(
      [danang.agencyId, noPlanAgency].sort(),
    );
    expect(closed.statements.map((s) => s.statement.agencyId)).not.toContain(idleAgency);
    for (const s of closed.statements) {
      expect(s.sha256).toBe(sha256Hex(canonicalJson({ closedAt: s.closedAt, statement: s.statement })));
    }
    const audit = await gw.deps.store.send(
      new GetCommand({
        TableName: gw.deps.tables.ledger,
        Key: { pk: `AUDIT#${response.headers.get('X-Request-Id')}`, sk: 'AUDIT' },
      }),
    );
    expect(audit.Item?.event).toMatchObject({
      kind: 'billing-action',
      action: 'billing.period.close',
      target: '2026-11',
    });
    const { status, statement } = await answerTo(
      await statementOf(danang.agencyId, '2026-11'),
      statementRoute,
    );
    expect(status).toBe('closed');
    expect(statement.totalVnd).toBe(2_202_530);
  });

  it('is idempotent: closing again returns the same stored statements and signatures', async () => {
    await setClock('2026-11-30T17:05:00Z');
    const again = await answerTo(
      await gw.call(finance, 'POST', '/billing/periods/2026-11/close'),
      closePeriodRoute,
    );
    const byAgency = (c: typeof closed) =>
      Object.fromEntries(c.statements.map((s) => [s.statement.agencyId, [s.sha256, s.jws, s.closedAt]]));
    expect(byAgency(again)).toEqual(byAgency(closed));
    expect(again.closedAt).toBe(closed.closedAt);
  });

  it('publishes a signed file that verifies offline with the JWKS, and npm run verify-statement agrees', async () => {
    const response = await gw.call(
      finance,
      'GET',
      `/billing/statements/2026-11/signed?agency=${danang.agencyId}`,
    );
    expect(response.status).toBe(200);
    const file = Buffer.from(await response.arrayBuffer());
    const jwks = await answerTo(await gw.app.request('/.well-known/jwks.json'), jwksRoute);
    // The documented JWKS holds its keys as plain records; jose types each key's members.
    await expect(verifyStatementFile(file, jwks as never)).resolves.toMatchObject({
      agencyId: danang.agencyId,
      period: '2026-11',
    });

    const dir = mkdtempSync(join(tmpdir(), 'ndg-statement-'));
    writeFileSync(join(dir, 'statement.json'), file);
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify(jwks));
    const edited = Buffer.from(file.toString('utf8').replace('"totalVnd":2202530', '"totalVnd":2202531'));
    writeFileSync(join(dir, 'edited.json'), edited);
    const verify = (name: string) =>
      spawnSync(
        process.execPath,
        ['--import', 'tsx', 'scripts/verify-statement.ts', join(dir, name), '--jwks', join(dir, 'jwks.json')],
        {
          encoding: 'utf8',
        },
      );
    const ok = verify('statement.json');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('OK: statement of');
    const bad = verify('edited.json');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('NOT VERIFIED');
  });

  it('answers 404 for the signed file of a period not closed yet', async () => {
    expect(
      (await gw.call(finance, 'GET', `/billing/statements/2026-12/signed?agency=${danang.agencyId}`)).status,
    ).toBe(404);
  });
});

describe('late usage for a closed period', () => {
  let lateId = '';

  beforeAll(async () => {
    // A call whose instant is in November is metered after November was closed.
    lateId = await commit(danang, '2026-11-30T16:59:59.500Z', 'citizen:read');
  });

  it('never changes the closed statement', async () => {
    const { statement } = await answerTo(await statementOf(danang.agencyId, '2026-11'), statementRoute);
    expect(statement.totalVnd).toBe(2_202_530);
    expect(statement.lines.find((l) => l.operation === 'citizen:read')?.calls).toBe(7);
  });

  it('lands as an adjustment line on the next open period, traceable to its entries', async () => {
    const { statement } = await answerTo(await statementOf(danang.agencyId, '2026-12'), statementRoute);
    expect(statement.adjustments).toEqual([
      expect.objectContaining({
        period: '2026-11',
        operation: 'citizen:read',
        calls: 1,
        billable: 1,
        amountVnd: 100,
      }),
    ]);
    expect(statement.adjustmentsVnd).toBe(100);
    // December: 1 call at STD@2 (100) + fee 2,000,000 + the 100 adjustment, VAT 10% once.
    expect(statement.subtotalVnd).toBe(2_000_200);
    expect(statement.totalVnd).toBe(2_200_220);
    const entries = await answerTo(
      await gw.call(
        finance,
        'GET',
        `/billing/statements/2026-11/entries?agency=${danang.agencyId}&operation=citizen:read`,
      ),
      statementEntriesRoute,
    );
    expect(entries.items.map((e) => e.requestId)).toContain(lateId);
  });

  it('is carried once: after December closes, January does not charge it again', async () => {
    await setClock('2026-12-31T17:00:00Z'); // 01/01/2027 00:00 +07
    const december = await answerTo(
      await gw.call(finance, 'POST', '/billing/periods/2026-12/close'),
      closePeriodRoute,
    );
    expect(
      december.statements.find((s) => s.statement.agencyId === danang.agencyId)?.statement.adjustmentsVnd,
    ).toBe(100);
    const { statement } = await answerTo(await statementOf(danang.agencyId, '2027-01'), statementRoute);
    expect(statement.adjustments).toEqual([]);
  });
});

describe('statement cost', () => {
  it('reads the same few items for a million metered calls as for a thousand', async () => {
    const { agencyId } = await gw.agencyWithCredential({
      code: 'HIGH-VOLUME',
      entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
      scopes: ['citizen:read'],
    });
    async function requestsForStatement(calls: number, period: string) {
      await gw.deps.store.send(
        new PutCommand({
          TableName: gw.deps.tables.ledger,
          Item: {
            ...laneKeys.month(agencyId, period, 0),
            agencyId,
            period,
            calls,
            billable: calls,
            [counterNames.opCalls('citizen:read')]: calls,
            [counterNames.opBillable('citizen:read', 'STD', 2)]: calls,
            [counterNames.planCalls('STD', 2)]: calls,
          },
        }),
      );
      const send = vi.spyOn(gw.deps.store, 'send');
      try {
        const { statement } = await answerTo(await statementOf(agencyId, period), statementRoute);
        expect(statement.lines[0]).toMatchObject({ calls, amountVnd: calls * 100 });
        return send.mock.calls.length;
      } finally {
        send.mockRestore();
      }
    }
    // Plan versions are read once per process: a first statement reads them, the measured ones do not.
    await requestsForStatement(10, '2027-02');
    const small = await requestsForStatement(1_000, '2027-03');
    const large = await requestsForStatement(1_000_000, '2027-04');
    expect(large).toBe(small);
    expect(small).toBeLessThanOrEqual(10);
  });
});
