import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { getPurposeRoute, listPurposesRoute, putPurposeRoute } from '../../../functions/admin/purpose-routes';
import { createAgencyRoute, getEntitlementsRoute } from '../../../functions/admin/routes';
import { auditEventsRoute, proofRoute, subjectHistoryRoute } from '../../../functions/audit/routes';
import { statementEntriesRoute, summaryRoute, usageRoute } from '../../../functions/billing/routes';
import { ProblemSchema } from '../../../shared/http/openapi';
import { answerTo, problemOf } from '../../support/answers';
import { createTestGateway, TEST_PURPOSES, type TestGateway } from '../../support/gateway';

// 20/11/2026 10:00 in Hà Nội.
let clock = new Date('2026-11-20T03:00:00Z');
let gw: TestGateway;
let admin: string;
let finance: string;

const AN = '001099012345';

/** The documented problem, with the codes outside the catalogue when there are any (an extension member). */
const PurposeProblemSchema = ProblemSchema.extend({ unknownPurposes: z.array(z.string()).optional() });

async function problem(response: Response, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return PurposeProblemSchema.parse(await problemOf(response, status));
}

async function auditEvents(action: string) {
  const { Items = [] } = await gw.deps.store.send(new ScanCommand({ TableName: gw.deps.tables.ledger }));
  return Items.filter((i) => i.sk === 'AUDIT')
    .map((i) => i.event as Record<string, unknown>)
    .filter((e) => e.action === action);
}

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'), { now: () => clock });
  admin = await gw.adminToken();
  finance = await gw.operatorToken(['billing:read']);
});

describe('the purpose catalogue', () => {
  it('adds a procedure code with its Vietnamese name and legal basis, stored NFC whatever the input form', async () => {
    const name = 'Đăng ký thường trú';
    const legalBasis = 'Luật Cư trú 2020; Nghị định 62/2021/NĐ-CP';
    const created = await gw.call(admin, 'PUT', '/admin/purposes/1.004194', {
      name: `  ${name.normalize('NFD')} `,
      legalBasis: legalBasis.normalize('NFD'),
    });
    const entry = await answerTo(created, putPurposeRoute, 201);
    expect(entry).toMatchObject({ code: '1.004194', name, legalBasis });
    expect(entry.name).not.toBe(name.normalize('NFD'));

    const read = await answerTo(await gw.call(admin, 'GET', '/admin/purposes/1.004194'), getPurposeRoute);
    expect(read).toEqual(entry);
    const [event] = (await auditEvents('purpose.create')).filter((e) => e.target === '1.004194');
    expect(event).toMatchObject({
      kind: 'admin-action',
      actor: { clientId: 'test-admin', agencyId: 'ag_platform' },
      target: '1.004194',
      before: null,
      after: { code: '1.004194', name, legalBasis },
    });
  });

  it('counts a name of 200 characters after NFC normalisation, refusing 201', async () => {
    // "ệ" is one character in NFC and three in NFD: 200 of them are 600 characters as sent.
    const fits = await gw.call(admin, 'PUT', '/admin/purposes/LONG-1', {
      name: 'ệ'.repeat(200).normalize('NFD'),
      legalBasis: 'Luật thử nghiệm',
    });
    expect(fits.status).toBe(201);
    const tooLong = await gw.call(admin, 'PUT', '/admin/purposes/LONG-2', {
      name: 'ệ'.repeat(201),
      legalBasis: 'Luật thử nghiệm',
    });
    expect((await problem(tooLong, 400)).detail).toContain('name');
  });

  it('updates an entry with its before and after audited, and writes nothing when nothing changes', async () => {
    const first = await gw.call(admin, 'PUT', '/admin/purposes/1.010815', {
      name: 'Giải quyết hưởng bảo hiểm xã hội một lần',
      legalBasis: 'Luật Bảo hiểm xã hội 2014',
    });
    expect(first.status).toBe(201);
    clock = new Date('2026-11-20T03:00:10Z');
    const changed = await gw.call(admin, 'PUT', '/admin/purposes/1.010815', {
      name: 'Giải quyết hưởng bảo hiểm xã hội một lần',
      legalBasis: 'Luật Bảo hiểm xã hội 2024',
    });
    const updated = await answerTo(changed, putPurposeRoute);
    expect(updated).toMatchObject({
      legalBasis: 'Luật Bảo hiểm xã hội 2024',
      createdAt: '2026-11-20T03:00:00.000Z',
      updatedAt: '2026-11-20T03:00:10.000Z',
    });
    const updates = await auditEvents('purpose.update');
    expect(updates).toEqual([
      expect.objectContaining({
        target: '1.010815',
        before: expect.objectContaining({ legalBasis: 'Luật Bảo hiểm xã hội 2014' }),
        after: expect.objectContaining({ legalBasis: 'Luật Bảo hiểm xã hội 2024' }),
      }),
    ]);

    clock = new Date('2026-11-20T03:00:20Z');
    const same = await gw.call(admin, 'PUT', '/admin/purposes/1.010815', {
      name: 'Giải quyết hưởng bảo hiểm xã hội một lần'.normalize('NFD'),
      legalBasis: 'Luật Bảo hiểm xã hội 2024',
    });
    expect(same.status).toBe(200);
    expect(await same.json()).toEqual(updated);
    expect(await auditEvents('purpose.update')).toHaveLength(1);
  });

  it('lists every entry sorted by code, the test catalogue included', async () => {
    const { items } = await answerTo(await gw.call(admin, 'GET', '/admin/purposes'), listPurposesRoute);
    const codes = items.map((p) => p.code);
    expect(codes).toEqual([...codes].sort());
    expect(codes).toEqual(expect.arrayContaining([...Object.keys(TEST_PURPOSES), '1.004194', '1.010815']));
  });

  it('answers 404 for a code not in the catalogue, 400 for a malformed one or body, 403 without admin', async () => {
    expect((await problem(await gw.call(admin, 'GET', '/admin/purposes/3.333'), 404)).detail).toBe(
      'There is no purpose 3.333 in the catalogue.',
    );
    expect((await gw.call(admin, 'GET', '/admin/purposes/.hidden')).status).toBe(400);
    const noBasis = await gw.call(admin, 'PUT', '/admin/purposes/3.333', { name: 'Thiếu căn cứ' });
    expect((await problem(noBasis, 400)).detail).toContain('legalBasis');
    const blank = await gw.call(admin, 'PUT', '/admin/purposes/3.333', { name: '   ', legalBasis: 'Luật' });
    expect((await problem(blank, 400)).detail).toContain('name');
    const extra = await gw.call(admin, 'PUT', '/admin/purposes/3.333', {
      name: 'Thừa',
      legalBasis: 'Luật',
      deleted: true,
    });
    expect((await problem(extra, 400)).detail).toContain('deleted');
    expect((await gw.call(finance, 'GET', '/admin/purposes')).status).toBe(403);
    expect(
      (await gw.call(finance, 'PUT', '/admin/purposes/3.333', { name: 'x', legalBasis: 'y' })).status,
    ).toBe(403);
  });

  it('has no delete: entitlements and closed statements keep naming their codes', async () => {
    const response = await gw.call(admin, 'DELETE', '/admin/purposes/1.001');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, PUT');
  });
});

describe('entitlements and the catalogue', () => {
  it('refuses entitlements naming codes outside the catalogue, naming every one of them', async () => {
    const created = await gw.call(admin, 'POST', '/admin/agencies', { code: 'CAT-1', name: 'Sở thử nghiệm' });
    const { id } = await answerTo(created, createAgencyRoute, 201);
    const response = await gw.call(admin, 'PUT', `/admin/agencies/${id}/entitlements`, {
      entitlements: [
        { operation: 'citizen:read', purposes: ['1.001', 'X-9', '8.888'] },
        { operation: 'business:read', purposes: ['X-9', '2.001'] },
      ],
    });
    const body = await problem(response, 400);
    expect(body.detail).toBe(
      'Purposes 8.888, X-9 are not in the purpose catalogue: add them under /admin/purposes first (PUT /admin/purposes/{code}).',
    );
    expect(body.unknownPurposes).toEqual(['8.888', 'X-9']);
    const stored = await answerTo(
      await gw.call(admin, 'GET', `/admin/agencies/${id}/entitlements`),
      getEntitlementsRoute,
    );
    expect(stored.entitlements).toEqual([]);

    expect(
      (await gw.call(admin, 'PUT', '/admin/purposes/8.888', { name: 'Thủ tục 8', legalBasis: 'Luật 8' }))
        .status,
    ).toBe(201);
    expect(
      (await gw.call(admin, 'PUT', '/admin/purposes/X-9', { name: 'Thủ tục X', legalBasis: 'Luật X' }))
        .status,
    ).toBe(201);
    const accepted = await gw.call(admin, 'PUT', `/admin/agencies/${id}/entitlements`, {
      entitlements: [{ operation: 'citizen:read', purposes: ['1.001', 'X-9', '8.888'] }],
    });
    expect(accepted.status).toBe(200);
  });

  it('keeps serving an entitlement stored before its code was catalogued: calls check the entitlement only', async () => {
    const a = await gw.agencyWithCredential({
      code: 'CAT-OLD',
      entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
      scopes: ['citizen:read'],
    });
    // As an entitlement saved before the catalogue existed: written straight to the store.
    const agency = (await gw.deps.control.getAgency(a.agencyId))!;
    await gw.deps.control.saveEntitlements(
      { ...agency, policyVersion: agency.policyVersion + 1, updatedAt: clock.toISOString() },
      agency.updatedAt,
      [{ operation: 'citizen:read', purposes: ['1.001', 'LEGACY-7'] }],
    );
    const token = await gw.token(a.clientId, a.clientSecret);
    const call = await gw.call(token, 'GET', `/v1/citizens/${AN}`, undefined, { 'X-Purpose': 'LEGACY-7' });
    expect(call.status).toBe(200);
  });
});

describe('purpose names beside the codes', () => {
  let agencyId: string;
  let token: string;

  beforeAll(async () => {
    const a = await gw.agencyWithCredential({
      code: 'CAT-NAMES',
      entitlements: [{ operation: 'citizen:read', purposes: ['1.001', '1.002'] }],
      scopes: ['citizen:read'],
    });
    agencyId = a.agencyId;
    token = await gw.token(a.clientId, a.clientSecret);
    for (const purpose of ['1.001', '1.002', '1.001']) {
      clock = new Date(clock.getTime() + 1000);
      expect(
        (await gw.call(token, 'GET', `/v1/citizens/${AN}`, undefined, { 'X-Purpose': purpose })).status,
      ).toBe(200);
    }
    await gw.seal();
  });

  const names = { '1.001': TEST_PURPOSES['1.001']!.name, '1.002': TEST_PURPOSES['1.002']!.name };

  it('gives the audit events page the names, leaving each record (a leaf of the audit log) as it was', async () => {
    const response = await gw.call(admin, 'GET', `/audit/events?agency=${agencyId}`);
    const page = await answerTo(response, auditEventsRoute);
    expect(page.purposeNames).toEqual(names);
    expect(page.items.map((e) => e.purpose)).toEqual(['1.001', '1.002', '1.001']);
    for (const record of page.items) {
      expect(Object.keys(record)).not.toContain('purposeName');
      const proof = await gw.call(admin, 'GET', `/audit/log/proofs/${record.id}`);
      expect((await answerTo(proof, proofRoute)).leafHash).toBe(record.leafHash);
    }
  });

  it("gives a subject's access history the names", async () => {
    const response = await gw.call(admin, 'GET', `/audit/subjects/${AN}/history`);
    const page = await answerTo(response, subjectHistoryRoute);
    expect(page.purposeNames).toMatchObject(names);
  });

  it("gives finance's usage, summary and statement entries the names", async () => {
    const usage = await gw.call(finance, 'GET', `/billing/usage?agency=${agencyId}`);
    expect((await answerTo(usage, usageRoute)).purposeNames).toEqual(names);
    const summary = await gw.call(finance, 'GET', '/billing/summary/2026-11');
    const totals = await answerTo(summary, summaryRoute);
    expect(totals.byPurpose['citizen:read']).toMatchObject({ '1.001': 2, '1.002': 1 });
    expect(totals.purposeNames).toMatchObject(names);
    const entries = await gw.call(finance, 'GET', `/billing/statements/2026-11/entries?agency=${agencyId}`);
    expect((await answerTo(entries, statementEntriesRoute)).purposeNames).toEqual(names);
  });

  it('shows the name an admin gives a code from the next answer on', async () => {
    const renamed = await gw.call(admin, 'PUT', '/admin/purposes/1.002', {
      name: 'Đăng ký tạm trú (đổi tên)',
      legalBasis: TEST_PURPOSES['1.002']!.legalBasis,
    });
    expect(renamed.status).toBe(200);
    const response = await gw.call(admin, 'GET', `/audit/events?agency=${agencyId}`);
    const page = await answerTo(response, auditEventsRoute);
    expect(page.purposeNames['1.002']).toBe('Đăng ký tạm trú (đổi tên)');
  });
});
