import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { auditEventsRoute } from '../../../functions/audit/routes';
import { reversalsRoute, reverseCallRoute, statementRoute } from '../../../functions/billing/routes';
import { ProblemSchema } from '../../../shared/http/openapi';
import { answerTo, documented, issuedCredentialOf, problemOf, wholeAnswerTo } from '../../support/answers';
import { createTestGateway, type TestGateway } from '../../support/gateway';

let clock = new Date('2026-11-20T03:00:00Z');
let gw: TestGateway;
let finance: string;
let reader: string;
let agency: { agencyId: string; clientId: string };
const november: string[] = [];
let missed = '';
let financeCredential: { clientId: string; clientSecret: string };
let december = '';
/** A second agency whose November refund is carried by a December with no refund of its own. */
let other: { agencyId: string; clientId: string };
let otherNovember = '';

/** A refund refused as made before: the problem names the reversal already made, as its 201 documents it. */
const RefundedProblemSchema = ProblemSchema.extend({ reversal: documented(reverseCallRoute, 201) });

const commit = (at: string, status = 200) => gw.meter(agency, at, { status, subject: '001099012345' });

const statement = async (period: string) => {
  const response = await gw.call(finance, 'GET', `/billing/statements/${period}?agency=${agency.agencyId}`);
  return wholeAnswerTo(response, statementRoute);
};
const reverse = (token: string, requestId: string, period: string) =>
  gw.call(token, 'POST', '/billing/reversals', {
    agencyId: agency.agencyId,
    period,
    requestId,
    reason: 'Dữ liệu sai do lỗi đồng bộ của cơ quan quản lý',
  });

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'), { now: () => clock });
  const admin = await gw.adminToken();
  const issue = async (scopes: string[]) => {
    const issued = await gw.call(admin, 'POST', '/admin/agencies/ag_platform/credentials', { scopes });
    return issuedCredentialOf(issued);
  };
  const fin = await issue(['billing:read', 'billing:close']);
  financeCredential = fin;
  const read = await issue(['billing:read']);
  agency = await gw.agencyWithCredential({
    code: 'REFUND-AG',
    entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
    scopes: ['citizen:read'],
  });
  await gw.plan('REFUND', { agencies: [agency.agencyId] });
  other = await gw.agencyWithCredential({
    code: 'REFUND-AG2',
    entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
    scopes: ['citizen:read'],
  });
  await gw.plan('REFUND2', { agencies: [other.agencyId] });
  otherNovember = await gw.meter(other, '2026-11-21T03:00:00Z', { subject: '001099012345' });
  for (let i = 0; i < 3; i++) november.push(await commit('2026-11-20T03:00:00Z'));
  missed = await commit('2026-11-20T04:00:00Z', 404);

  clock = new Date('2026-11-30T17:10:00Z'); // 01/12 00:10 in Hà Nội: November has ended
  finance = await gw.token(fin.clientId, fin.clientSecret);
  reader = await gw.token(read.clientId, read.clientSecret);
  expect((await gw.call(finance, 'POST', '/billing/periods/2026-11/close')).status).toBe(200);
  december = await commit('2026-12-01T02:00:00Z');
});

describe('reversals', () => {
  it('refunds a call of a closed month as an adjustment on the next statement, leaving the closed one as it was', async () => {
    const closedBefore = await statement('2026-11');
    expect(closedBefore.statement.totalVnd).toBe(1_650); // 3 x 500 + 10% VAT

    const response = await reverse(finance, november[0]!, '2026-11');
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({
      requestId: november[0],
      operation: 'citizen:read',
      plan: 'REFUND',
    });

    expect(await statement('2026-11')).toEqual(closedBefore);
    const next = await statement('2026-12');
    expect(next.statement.adjustments).toContainEqual(
      expect.objectContaining({ period: '2026-11', reason: 'reversal', billable: -1, amountVnd: -500 }),
    );
  });

  it('refunds a call of the open month as its own negative line; the usage line is not edited', async () => {
    expect((await reverse(finance, december, '2026-12')).status).toBe(201);
    const { statement: dec } = await statement('2026-12');
    expect(dec.lines.find((l) => l.operation === 'citizen:read')?.billable).toBe(1);
    expect(dec.adjustments).toContainEqual(
      expect.objectContaining({ period: '2026-12', reason: 'reversal', billable: -1, amountVnd: -500 }),
    );
    // 500 usage - 500 (December refund) - 500 (November refund) = -500, VAT -50: a credit.
    expect(dec.subtotalVnd).toBe(-500);
    expect(dec.totalVnd).toBe(-550);
  });

  it('refunds a call once, never an unbilled one, and only calls that exist', async () => {
    const again = await reverse(finance, november[0]!, '2026-11');
    // A retry whose first answer was lost learns what was credited, not only that it was refused.
    const problem = RefundedProblemSchema.parse(await problemOf(again, 409));
    expect(problem.reversal.requestId).toBe(november[0]);
    expect(problem.detail).toContain(`already refunded at ${problem.reversal.reversedAt}`);
    expect((await reverse(finance, missed, '2026-11')).status).toBe(409);
    expect((await reverse(finance, randomUUID(), '2026-11')).status).toBe(404);
  });

  it('needs billing:close to refund, and lists refunds traceable to their calls', async () => {
    expect((await reverse(reader, november[1]!, '2026-11')).status).toBe(403);
    const listed = await gw.call(
      reader,
      'GET',
      `/billing/reversals?agency=${agency.agencyId}&period=2026-11`,
    );
    const { items } = await answerTo(listed, reversalsRoute);
    expect(items.map((r) => r.requestId)).toEqual([november[0]]);
    expect(items[0]?.reason).toBe('Dữ liệu sai do lỗi đồng bộ của cơ quan quản lý');
    const trail = await gw.call(await gw.adminToken(), 'GET', '/audit/events?agency=ag_platform&limit=200');
    const { items: events } = await answerTo(trail, auditEventsRoute);
    expect(events).toContainEqual(
      expect.objectContaining({ action: 'billing.reversal', target: november[0] }),
    );
  });

  it('credits a refund of a closed month once, however many months close after the one that carried it', async () => {
    const refund = await gw.call(finance, 'POST', '/billing/reversals', {
      agencyId: other.agencyId,
      period: '2026-11',
      requestId: otherNovember,
      reason: 'Dữ liệu sai',
    });
    expect(refund.status).toBe(201);
    const credits = async (period: string) => {
      const response = await gw.call(
        finance,
        'GET',
        `/billing/statements/${period}?agency=${other.agencyId}`,
      );
      const { statement: s } = await answerTo(response, statementRoute);
      return s.adjustments.filter((a) => a.period === '2026-11' && a.reason === 'reversal');
    };
    expect(await credits('2026-12')).toHaveLength(1);
    // Close December (which carries the credit), then January and February, each once it has ended in Hà Nội.
    for (const [period, after] of [
      ['2026-12', '2026-12-31T17:10:00Z'],
      ['2027-01', '2027-01-31T17:10:00Z'],
      ['2027-02', '2027-02-28T17:10:00Z'],
    ] as const) {
      clock = new Date(after);
      finance = await gw.token(financeCredential.clientId, financeCredential.clientSecret);
      expect((await gw.call(finance, 'POST', `/billing/periods/${period}/close`)).status).toBe(200);
    }
    for (const period of ['2027-01', '2027-02', '2027-03']) expect(await credits(period), period).toEqual([]);
  });
});
