import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { auditEventsRoute, subjectHistoryRoute } from '../../../functions/audit/routes';
import type { MeteredCall } from '../../../shared/ledger/ledger';
import { answerTo, problemOf } from '../../support/answers';
import { createTestGateway, type TestGateway } from '../../support/gateway';

let gw: TestGateway;
let auditor: string;
let a: { agencyId: string; clientId: string; policyVersion: number };
const covert = { agencyId: '', clientId: '', policyVersion: 0 };

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'));
  auditor = await gw.adminToken();
  const made = await gw.agencyWithCredential({
    code: 'CA-HN',
    name: 'Công an thành phố Hà Nội',
    entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
    scopes: ['citizen:read'],
  });
  a = { ...made, policyVersion: (await gw.deps.control.getAgency(made.agencyId))!.policyVersion };
  const hidden = await gw.agencyWithCredential({
    code: 'ANNINH-1',
    entitlements: [{ operation: 'citizen:read', purposes: ['7.001'], covertUntil: '2099-01-01' }],
    scopes: ['citizen:read'],
  });
  Object.assign(covert, hidden, {
    policyVersion: (await gw.deps.control.getAgency(hidden.agencyId))!.policyVersion,
  });

  const call = (who: typeof a, overrides: Partial<MeteredCall> = {}): MeteredCall => ({
    requestId: randomUUID(),
    at: new Date(),
    clientId: who.clientId,
    agencyId: who.agencyId,
    policyVersion: who.policyVersion,
    limits: { plan: 'NONE', planVersion: 0, monthlyQuota: 1000, ratePerSecond: 1000, burst: 1000 },
    operation: 'citizen:read',
    purpose: '1.001',
    officerId: 'CB-0042',
    caseId: 'HS-2026-001',
    subject: '001099012345',
    fingerprint: 'f',
    status: 200,
    ...overrides,
  });
  for (let i = 0; i < 30; i++) await gw.commit(call(a));
  await gw.commit(call(covert, { purpose: '7.001', covertUntil: '2099-01-01' }));
});

describe('audit trail', () => {
  it('answers who looked at a citizen, when and why, with officer and case', async () => {
    const response = await gw.call(auditor, 'GET', '/audit/events?subject=001099012345&limit=200');
    const { items } = await answerTo(response, auditEventsRoute);
    expect(items).toHaveLength(31);
    expect(items[0]).toMatchObject({
      kind: 'registry-call',
      action: 'citizen:read',
      subject: '001099012345',
    });
    expect(items.filter((e) => e.officerId === 'CB-0042' && e.caseId === 'HS-2026-001')).toHaveLength(31);
  });

  it('pages through an agency trail without duplicates or gaps', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const response = await gw.call(
        auditor,
        'GET',
        `/audit/events?agency=${a.agencyId}&limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      const page = await answerTo(response, auditEventsRoute);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.cursor;
    } while (cursor);
    expect(seen.filter((id, i) => seen.indexOf(id) === i)).toHaveLength(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(30);
  });

  it('hides covert lookups from the subject history until their date, but not from auditors', async () => {
    const history = await answerTo(
      await gw.call(auditor, 'GET', '/audit/subjects/001099012345/history?limit=200'),
      subjectHistoryRoute,
    );
    expect(history.items).toHaveLength(30);
    expect(history.items.every((e) => e.agency.id === a.agencyId)).toBe(true);
    expect(history.items[0]?.agency.name).toBe('Công an thành phố Hà Nội');
    const audit = await answerTo(
      await gw.call(auditor, 'GET', `/audit/events?agency=${covert.agencyId}`),
      auditEventsRoute,
    );
    expect(audit.items.length).toBeGreaterThan(0);
  });

  it('records admin actions in the same trail', async () => {
    const response = await gw.call(auditor, 'GET', '/audit/events?agency=ag_platform&limit=200');
    const { items } = await answerTo(response, auditEventsRoute);
    expect(items.map((e) => e.action)).toEqual(expect.arrayContaining(['agency.create', 'credential.issue']));
    expect(items.every((e) => e.kind === 'admin-action')).toBe(true);
  });

  it('refuses a query with neither agency nor subject', async () => {
    const response = await gw.call(auditor, 'GET', '/audit/events');
    expect(response.status).toBe(400);
  });
});

describe('subject history paging', () => {
  it('pages a subject history one by one without any trace of covert lookups in items or cursors', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const response = await gw.call(
        auditor,
        'GET',
        `/audit/subjects/001099012345/history?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      const page = await answerTo(response, subjectHistoryRoute);
      expect(page.items).toHaveLength(1);
      seen.push(...page.items.map((i) => i.agency.id));
      cursor = page.cursor;
      if (cursor) {
        const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
        expect(Object.keys(JSON.parse(decoded))).toEqual(['before']);
        expect(decoded).not.toContain(covert.agencyId);
      }
    } while (cursor);
    expect(seen).toHaveLength(30);
    expect(seen).not.toContain(covert.agencyId);
  });

  it('answers a forged cursor with 400, not a store error', async () => {
    const forged = Buffer.from('{}').toString('base64url');
    expect(
      (await gw.call(auditor, 'GET', `/audit/events?agency=${a.agencyId}&cursor=${forged}`)).status,
    ).toBe(400);
    const wrongKeys = Buffer.from('{"pk":"x","zz":"y"}').toString('base64url');
    expect((await gw.call(auditor, 'GET', `/admin/agencies?cursor=${wrongKeys}`)).status).toBe(400);
  });

  it('answers a reversed or out-of-range time range with 400 problem+json naming the bound', async () => {
    const events = (query: string) =>
      gw.call(auditor, 'GET', `/audit/events?agency=${a.agencyId}&limit=200&${query}`);
    for (const [query, detail] of [
      ['from=2026-12-01&to=2026-11-01', 'from: from (2026-12-01) is after to (2026-11-01)'],
      [
        `from=${encodeURIComponent('2026-11-15T12:00:00.001+07:00')}&to=2026-11-15T05:00:00Z`,
        'from: from (2026-11-15T12:00:00.001+07:00) is after to (2026-11-15T05:00:00Z)',
      ],
      [
        'from=2026-11-16&to=2026-11-15T16:59:59Z',
        'from: from (2026-11-16) is after to (2026-11-15T16:59:59Z)',
      ],
      [`to=${encodeURIComponent('9999-12-31T23:59:59-23:59')}`, 'to: an instant or date is between 1970'],
      [`from=${encodeURIComponent('1970-01-01T00:00:00+00:01')}`, 'from: an instant or date is between 1970'],
      [`from=${encodeURIComponent('0000-01-01T00:00:00+23:59')}`, 'from: an instant or date is between'],
      ['from=1969-12-31', 'from: an instant or date is between'],
    ] as const) {
      const response = await events(query);
      const problem = await problemOf(response, 400);
      expect(response.headers.get('content-type'), query).toBe('application/problem+json');
      expect(problem.title).toBe('Request validation failed');
      expect(problem.detail, query).toContain(detail);
    }
    // The edges themselves are served, and hold every record.
    for (const query of [
      'from=1970-01-01T00:00:00Z&to=9999-12-31T23:59:59.999Z',
      'from=1970-01-01&to=9999-12-31',
      `from=${encodeURIComponent('2026-11-15T12:00:00+07:00')}&to=2026-11-15T05:00:00Z`,
    ]) {
      const response = await events(query);
      expect(response.status, query).toBe(200);
    }
    const all = await answerTo(await events('from=1970-01-01&to=9999-12-31'), auditEventsRoute);
    expect(all.items).toHaveLength(30);
  });
});
