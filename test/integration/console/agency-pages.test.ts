import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { messages, translate } from '../../../console/catalogue.js';
import {
  dayOf,
  formatCount,
  formatDateTime,
  formatDay,
  formatPeriod,
  formatVnd,
  periodOf,
  shiftPeriod,
} from '../../../console/format.js';
import {
  getMeRoute,
  getMyStatementRoute,
  getMyUsageRoute,
  listMyCallsRoute,
} from '../../../functions/billing/self-routes';
import { jwksRoute } from '../../../functions/token/discovery';
import { answerTo, issuedCredentialOf } from '../../support/answers';
import { type ConsoleSession, expectTidyLayout, openConsole, skipBrowser } from '../../support/console-page';
import { ADMIN_ID, ADMIN_SECRET, TEST_PURPOSES } from '../../support/gateway';

/**
 * The pages of an agency signed in with a self:read credential: its overview, usage, statements and calls,
 * each equal to what the /me API answers, and nothing of another agency, nor any admin or finance page.
 */

const vi = messages.vi;
const thisMonth = periodOf(Date.now());
const lastMonth = shiftPeriod(thisMonth, -1);
const AN = '001099012345';
const BICH = '048301000123';
const BUSINESS = '0401234567';
/** Calls metered last month: more than a page of the calls list (50), so "more" has something to load. */
const LAST_MONTH_CALLS = 55;

let s: ConsoleSession;
let page: Page;

interface Account {
  agencyId: string;
  name: string;
  clientId: string;
  clientSecret: string;
  /** A registry token (every scope the credential holds). */
  token: string;
  /** A second credential holding self:read only: the console user's. */
  self: { clientId: string; clientSecret: string };
}
let lan: Account;
let other: Account;
/** A token of lan's self:read credential, to read what the API says. */
let selfToken: string;

async function account(
  code: string,
  name: string,
  entitlements: { operation: 'citizen:read' | 'business:read'; purposes: string[] }[],
): Promise<Account> {
  const made = await s.gw.agencyWithCredential({
    code,
    name,
    entitlements,
    scopes: entitlements.map((e) => e.operation),
  });
  const issued = await s.gw.call(
    await s.gw.adminToken(),
    'POST',
    `/admin/agencies/${made.agencyId}/credentials`,
    { scopes: ['self:read'] },
  );
  expect(issued.status).toBe(201);
  const self = await issuedCredentialOf(issued);
  return { ...made, name, token: '', self };
}

/** What the API answers the agency at `path`: a 200, parsed with the schema `route` documents for it. */
const api = async <R extends { responses: object }>(path: string, route: R, token = selfToken) =>
  answerTo(await s.gw.call(token, 'GET', path), route);
/** The answer `route` documents for a 200. */
type AnswerTo<R extends { responses: object }> = Awaited<ReturnType<typeof answerTo<R>>>;

const visibleNav = () =>
  page.$$eval('#nav li:not([hidden]) a', (links) => links.map((a) => (a as HTMLElement).dataset.page));
const fact = async (name: string) => (await page.textContent(`#page-overview [data-fact="${name}"]`))?.trim();

type Usage = AnswerTo<typeof getMyUsageRoute>;
type StatementAnswer = AnswerTo<typeof getMyStatementRoute>;

/** Calls by operation over a usage answer's rows. */
function operationTotals(usage: Usage): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const row of usage.items) {
    expect(row.agencyId).toBe(lan.agencyId);
    for (const [op, counts] of Object.entries(row.operations)) totals[op] = (totals[op] ?? 0) + counts.calls;
  }
  return Object.fromEntries(Object.entries(totals).filter(([, calls]) => calls > 0));
}

/** The usage table's calls by operation, as numbers. */
const usageRows = async (): Promise<Record<string, string>> =>
  Object.fromEntries(
    await page.$$eval('#my-usage-table tbody tr[data-operation]', (trs) =>
      trs.map((tr) => [(tr as HTMLElement).dataset.operation, tr.querySelector('td.num')?.textContent ?? '']),
    ),
  );
/** Counts as the page writes them. */
const written = (totals: Record<string, number>) =>
  Object.fromEntries(Object.entries(totals).map(([op, calls]) => [op, formatCount(calls)]));

/** The statement shown: its lines and totals, each as the API answered. */
async function expectStatement(answer: StatementAnswer) {
  for (const line of answer.statement.lines) {
    const row = page.locator(`#my-statement-lines tr[data-operation="${line.operation}"]`);
    const cells = await row.locator('td').allTextContents();
    expect(cells[0]).toBe(vi[`op.${line.operation}`]);
    expect(cells[1]).toBe(formatCount(line.calls));
    expect(cells.at(-1)).toBe(formatVnd(line.amountVnd));
  }
  for (const [key, amount] of [
    ['statements.usage', answer.statement.usageVnd],
    ['statements.subtotal', answer.statement.subtotalVnd],
    ['statements.grandTotal', answer.statement.totalVnd],
  ] as const) {
    const dd = page.locator(`#my-statement-totals dd[data-total="${key}"]`);
    expect(await dd.textContent(), key).toBe(formatVnd(amount));
  }
}

describe.skipIf(skipBrowser)('the agency pages', () => {
  beforeAll(async () => {
    s = await openConsole(inject('dynamoEndpoint'), { artifacts: 'console-agency' });
    page = s.page;
    const admin = await s.gw.adminToken();
    lan = await account('AGP-LAN', 'Sở Tài nguyên và Môi trường tỉnh Thử nghiệm', [
      { operation: 'citizen:read', purposes: ['1.001', '1.002'] },
      { operation: 'business:read', purposes: ['2.001'] },
    ]);
    other = await account('AGP-KHAC', 'Công an tỉnh Thử nghiệm', [
      { operation: 'citizen:read', purposes: ['7.001'] },
    ]);
    await s.gw.plan('AGP-STD', {
      quota: 5_000,
      unitPricesVnd: { 'citizen:read': 500, 'business:read': 300 },
      agencies: [lan.agencyId],
    });
    const capped = await s.gw.call(admin, 'PUT', `/admin/agencies/${lan.agencyId}/budget`, {
      capVnd: 200_000,
      enforce: false,
    });
    expect(capped.status).toBe(200);
    lan.token = await s.gw.token(lan.clientId, lan.clientSecret);
    other.token = await s.gw.token(other.clientId, other.clientSecret);
    selfToken = await s.gw.token(lan.self.clientId, lan.self.clientSecret);

    // Last month: more calls than a page holds, then closed, so its statement is signed.
    for (let i = 0; i < LAST_MONTH_CALLS; i += 11) {
      await Promise.all(
        Array.from({ length: Math.min(11, LAST_MONTH_CALLS - i) }, (_, k) =>
          s.gw.meter(
            lan,
            new Date(Date.parse(`${lastMonth}-10T03:00:00Z`) + (i + k) * 60_000).toISOString(),
            {
              subject: AN,
            },
          ),
        ),
      );
    }
    const closing = await s.gw.operatorToken(['billing:read', 'billing:close']);
    expect((await s.gw.call(closing, 'POST', `/billing/periods/${lastMonth}/close`)).status).toBe(200);

    // This month, over the registry API: served calls with officers and cases, and a refused one.
    const calls: [string, string, Record<string, string>, number][] = [
      [
        lan.token,
        `/v1/citizens/${AN}`,
        { 'X-Purpose': '1.001', 'X-Officer-Id': 'CB-0042', 'X-Case-Id': 'HS-2026/001' },
        200,
      ],
      [
        lan.token,
        `/v1/citizens/${BICH}`,
        { 'X-Purpose': '1.002', 'X-Officer-Id': 'CB-0042', 'X-Case-Id': 'HS-2026/002' },
        200,
      ],
      [
        lan.token,
        `/v1/businesses/${BUSINESS}`,
        { 'X-Purpose': '2.001', 'X-Officer-Id': 'CB-0077', 'X-Case-Id': 'HS-2026/001' },
        200,
      ],
      // Not granted to the agency: refused, recorded, not billed.
      [lan.token, `/v1/citizens/${AN}`, { 'X-Purpose': '9.999', 'X-Officer-Id': 'CB-0077' }, 403],
      [
        other.token,
        `/v1/citizens/${BICH}`,
        { 'X-Purpose': '7.001', 'X-Officer-Id': 'CA-9001', 'X-Case-Id': 'VA-77' },
        200,
      ],
    ];
    for (const [token, path, headers, status] of calls) {
      expect((await s.gw.call(token, 'GET', path, undefined, headers)).status, path).toBe(status);
    }
    await s.gw.seal();

    await page.goto(`${s.base}/console`);
    await s.signIn(lan.self.clientId, lan.self.clientSecret);
    await s.busyDone();
  });

  afterAll(() => s?.close());

  it('shows a self:read user only the agency pages, starting on the overview', async () => {
    expect(await visibleNav()).toEqual(['overview', 'my-usage', 'my-statements', 'my-calls']);
    expect(await page.isVisible('#page-overview')).toBe(true);
    expect(await page.textContent('#nav')).toContain('Tổng quan');
    expect(await page.textContent('#nav')).toContain('Lượt tra cứu');
    expect(await page.textContent('#nav')).toContain('Bảng kê');
    expect(await page.textContent('.brand-sub')).toBe(vi['brand.sub']);
    expect(vi['brand.sub']).toContain('cơ quan');
  });

  it("shows the agency's plan, limits, month and budget exactly as GET /me answers", async () => {
    const me = await api('/me', getMeRoute);
    await page.waitForSelector('#overview-body:not([hidden])');
    const agencyLine = (await page.textContent('#overview-agency')) ?? '';
    expect(agencyLine).toContain(me.agency.name);
    expect(agencyLine).toContain('AGP-LAN');
    expect(agencyLine).toContain(vi['status.active']);
    expect(me.month).toMatchObject({ calls: 3, billable: 3 });
    expect(await fact('calls')).toBe(formatCount(me.month.calls));
    expect(await fact('billable')).toBe(formatCount(me.month.billable));
    expect(await fact('quota')).toBe(formatCount(5_000));
    expect(await fact('quotaRemaining')).toBe(formatCount(me.month.quotaRemaining));
    expect(me.month.budget).toMatchObject({ capVnd: 200_000 });
    expect(await fact('capVnd')).toBe(formatVnd(200_000));
    // 2 citizen reads at 500 and a business read at 300, plus 10% VAT.
    expect(me.month.budget?.spentVnd).toBe(1_430);
    expect(await fact('spentVnd')).toBe(formatVnd(1_430));
    expect(await fact('remainingVnd')).toContain(formatVnd(me.month.budget!.remainingVnd));
    expect(await page.textContent('#overview-budget-note')).toBe(vi['overview.notEnforced']);

    const plan = (await page.textContent('#overview-plan-name')) ?? '';
    expect(plan).toContain('Gói thử AGP-STD');
    expect(plan).toContain('AGP-STD');
    expect(plan).toContain(translate('vi', 'overview.version', { version: me.plan!.version }));
    expect(await fact('rate')).toBe(
      translate('vi', 'overview.rateValue', {
        perSecond: formatCount(me.limits.rateLimit.perSecond),
        burst: formatCount(me.limits.rateLimit.burst),
      }),
    );
    const price = page.locator('#overview-prices tr[data-operation="citizen:read"] td.num');
    expect(await price.textContent()).toBe(formatVnd(500));

    for (const entitlement of me.entitlements) {
      const row = page.locator(`#overview-entitlements tr[data-operation="${entitlement.operation}"]`);
      expect(await row.locator('td').first().textContent()).toBe(vi[`op.${entitlement.operation}`]);
      for (const purpose of entitlement.purposes) {
        expect(await row.locator(`li[data-purpose="${purpose.code}"]`).textContent()).toBe(
          `${purpose.code} ${TEST_PURPOSES[purpose.code]!.name}`,
        );
      }
    }
    expect(await page.locator('#overview-entitlements li').count()).toBe(3);

    await expectTidyLayout(s, 'agency-overview');
    await s.checkBothLanguages('agency-overview');
  });

  it("charts and tables the agency's own usage by day and by month, as GET /me/usage answers", async () => {
    await s.goTo('my-usage');
    const first = `${thisMonth}-01`;
    const today = dayOf(Date.now());
    expect(await page.inputValue('#my-usage-from')).toBe(formatDay(first));
    expect(await page.inputValue('#my-usage-to')).toBe(formatDay(today));
    const byDay = await api(`/me/usage?granularity=day&from=${first}&to=${today}`, getMyUsageRoute);
    expect(operationTotals(byDay)).toEqual({ 'citizen:read': 2, 'business:read': 1 });
    expect(await usageRows()).toEqual(written(operationTotals(byDay)));
    expect(await page.textContent('#h-my-usage-table')).toBe(vi['myUsage.table']);
    // The table is the agency's own: no agency column, no other agency's rows.
    expect(await page.locator('#my-usage-table thead th').allTextContents()).toEqual([
      vi['common.operation'],
      vi['common.calls'],
    ]);
    expect(
      await page.$$eval('#my-usage-table tbody tr', (trs) =>
        trs.map((tr) => (tr as HTMLElement).dataset.agencyId),
      ),
    ).toEqual([lan.agencyId, lan.agencyId]);
    await page.waitForSelector('#my-usage-chart canvas');
    expect(await page.getAttribute('#my-usage-chart', 'data-paths')).toBe('bars');
    await expectTidyLayout(s, 'agency-usage-day');
    await s.checkBothLanguages('agency-usage-day');

    await page.selectOption('#my-usage-granularity', 'month');
    await page.fill('#my-usage-from', formatPeriod(lastMonth));
    await page.fill('#my-usage-to', formatPeriod(thisMonth));
    await page.click('#my-usage-form button[type=submit]');
    await s.busyDone();
    const byMonth = await api(
      `/me/usage?granularity=month&from=${lastMonth}&to=${thisMonth}`,
      getMyUsageRoute,
    );
    expect(operationTotals(byMonth)).toEqual({ 'citizen:read': LAST_MONTH_CALLS + 2, 'business:read': 1 });
    expect(await usageRows()).toEqual(written(operationTotals(byMonth)));
    await page.waitForSelector('#my-usage-chart canvas');
    await s.checkBothLanguages('agency-usage-month');
  });

  it("explains this month's statement as GET /me/statements answers, and downloads it as CSV", async () => {
    await s.goTo('my-statements');
    expect(await page.inputValue('#my-statements-month')).toBe(thisMonth);
    const answer = await api(`/me/statements/${thisMonth}`, getMyStatementRoute);
    expect(answer).toMatchObject({ status: 'open', statement: { agencyId: lan.agencyId, totalVnd: 1_430 } });
    await page.waitForSelector('#my-statement-box:not([hidden])');
    expect(await page.textContent('#h-my-statement')).toBe(
      translate('vi', 'myStatements.detail', { agency: lan.name, period: formatPeriod(thisMonth) }),
    );
    expect(await page.textContent('#my-statement-status')).toContain(vi['status.open']);
    await expectStatement(answer);
    expect(await page.isHidden('#my-statement-verify')).toBe(true);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#my-statement-csv')]);
    expect(download.suggestedFilename()).toBe(`statement-${lan.agencyId}-${thisMonth}.csv`);
    const csv = readFileSync((await download.path()) as string, 'utf8');
    const fromApi = await s.gw.call(selfToken, 'GET', `/me/statements/${thisMonth}`, undefined, {
      Accept: 'text/csv',
    });
    expect(csv.replace(/^\uFEFF/, '')).toBe((await fromApi.text()).replace(/^\uFEFF/, ''));
    expect(csv).toContain(`Bảng kê / Statement,${thisMonth},Cơ quan / Agency,${lan.name},${lan.agencyId}`);
    expect(csv).toContain('Dòng / Line,citizen:read,');
    expect(csv).toContain('Tổng cộng / Total,,,,,,,,,1430');

    await expectTidyLayout(s, 'agency-statement-open');
    await s.checkBothLanguages('agency-statement-open');
  });

  it("verifies last month's closed statement's signature in the browser against the published keys", async () => {
    await page.selectOption('#my-statements-month', lastMonth);
    await page.click('#my-statements-form button[type=submit]');
    await s.busyDone();
    const answer = await api(`/me/statements/${lastMonth}`, getMyStatementRoute);
    expect(answer.status).toBe('closed');
    // 55 citizen reads at 500, plus 10% VAT.
    expect(answer.statement.totalVnd).toBe(30_250);
    await page.waitForFunction(
      (text) => document.querySelector('#my-statement-status')?.textContent?.includes(text),
      vi['status.closed'] as string,
    );
    expect(await page.textContent('#my-statement-status')).toContain(
      translate('vi', 'statements.closedAt', { time: formatDateTime(answer.signed!.closedAt) }),
    );
    await expectStatement(answer);
    await page.click('#my-statement-verify');
    await s.busyDone();
    const result = page.locator('#my-statement-verify-result [data-verified]');
    expect(await result.getAttribute('data-verified')).toBe('true');
    // The documented JWKS holds its keys as plain records: each kid is checked to be a string.
    const kid = (await answerTo(await s.gw.app.request('/.well-known/jwks.json'), jwksRoute)).keys.map(
      (key) => z.string().parse(key.kid),
    );
    const text = (await result.textContent()) ?? '';
    expect(kid.some((k) => text.includes(k))).toBe(true);
    expect(text).toContain(formatVnd(30_250));
    await expectTidyLayout(s, 'agency-statement-closed');
    await s.checkBothLanguages('agency-statement-closed');
  });

  it("lists the agency's own calls as GET /me/calls answers: who looked up whom, when, why, what came of it", async () => {
    await s.goTo('my-calls');
    const answer = await api('/me/calls?limit=50', listMyCallsRoute);
    const rows = page.locator('#my-calls-table tbody tr');
    expect(await rows.count()).toBe(50);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.requestId))).toEqual(
      answer.calls.map((c) => c.requestId),
    );
    // Newest first: the refused attempt, then the three served ones.
    const refused = rows.nth(0);
    expect(await refused.locator('td').nth(0).textContent()).toBe(formatDateTime(answer.calls[0]!.at));
    expect(await refused.locator('td').nth(1).textContent()).toBe('CB-0077');
    expect(await refused.locator('td[data-purpose]').textContent()).toBe(
      `9.999 ${TEST_PURPOSES['9.999']!.name}`,
    );
    expect(await refused.locator('td[data-outcome]').textContent()).toBe(
      `${vi['outcome.refused']} ${vi['myCalls.refusal.forbidden']}`,
    );
    const business = rows.nth(1);
    expect(await business.locator('td').nth(3).textContent()).toBe(vi['op.business:read']);
    expect(await business.locator('td').nth(4).textContent()).toBe(BUSINESS);
    expect(await business.locator('td[data-outcome]').textContent()).toBe(vi['outcome.served']);
    const second = rows.nth(2);
    expect(await second.locator('td').nth(1).textContent()).toBe('CB-0042');
    expect(await second.locator('td').nth(2).textContent()).toBe('HS-2026/002');
    expect(await second.locator('td').nth(4).textContent()).toBe(BICH);
    expect(await second.locator('td[data-purpose]').textContent()).toBe(
      `1.002 ${TEST_PURPOSES['1.002']!.name}`,
    );
    // Nothing of the other agency.
    const shown = (await page.textContent('#my-calls-table')) ?? '';
    expect(shown).not.toContain('CA-9001');
    expect(shown).not.toContain('VA-77');
    expect(shown).not.toContain(TEST_PURPOSES['7.001']!.name);

    // "More" goes on from the cursor, to the end.
    expect(answer.nextCursor).toBeDefined();
    expect(await page.textContent('#my-calls-count')).toBe(
      translate('vi', 'myCalls.countMore', { count: formatCount(50) }),
    );
    await expectTidyLayout(s, 'agency-calls');
    await s.checkBothLanguages('agency-calls');
    await page.click('#my-calls-more');
    await s.busyDone();
    const total = 4 + LAST_MONTH_CALLS;
    await page.waitForFunction(
      (n) => document.querySelectorAll('#my-calls-table tbody tr').length === n,
      total,
    );
    const all = [...answer.calls];
    const rest = await api(`/me/calls?limit=50&cursor=${answer.nextCursor}`, listMyCallsRoute);
    all.push(...rest.calls);
    expect(rest.nextCursor).toBeUndefined();
    expect(await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.requestId))).toEqual(
      all.map((c) => c.requestId),
    );
    expect(await page.isHidden('#my-calls-more')).toBe(true);
    expect(await page.textContent('#my-calls-count')).toBe(
      translate('vi', 'myCalls.count', { count: formatCount(total) }),
    );
  });

  it('filters the calls by officer and by case, as the API does', async () => {
    await page.fill('#my-calls-officer', 'CB-0042');
    await page.click('#my-calls-form button[type=submit]');
    await s.busyDone();
    const ids = () =>
      page.$$eval('#my-calls-table tbody tr', (trs) =>
        trs.map((tr) => (tr as HTMLElement).dataset.requestId),
      );
    const byOfficer = await api('/me/calls?officer=CB-0042', listMyCallsRoute);
    expect(byOfficer.calls).toHaveLength(2);
    expect(await ids()).toEqual(byOfficer.calls.map((c) => c.requestId));
    expect(await page.isHidden('#my-calls-more')).toBe(true);

    await page.fill('#my-calls-officer', '');
    await page.fill('#my-calls-case', 'HS-2026/001');
    await page.click('#my-calls-form button[type=submit]');
    await s.busyDone();
    const byCase = await api(`/me/calls?case=${encodeURIComponent('HS-2026/001')}`, listMyCallsRoute);
    expect(byCase.calls.map((c) => c.officerId)).toEqual(['CB-0077', 'CB-0042']);
    expect(await ids()).toEqual(byCase.calls.map((c) => c.requestId));

    // Another agency's officer finds nothing: the list is the agency's own.
    await page.fill('#my-calls-case', '');
    await page.fill('#my-calls-officer', 'CA-9001');
    await page.click('#my-calls-form button[type=submit]');
    await s.busyDone();
    expect(await page.textContent('#my-calls-table tbody')).toBe(vi['common.none']);
    await s.checkBothLanguages('agency-calls-filtered');
    await page.fill('#my-calls-officer', '');
  });

  it('shows nothing of an admin or finance page on a hash to it, and the API refuses it anyway', async () => {
    const asked: string[] = [];
    const record = (request: { url(): string }) => asked.push(new URL(request.url()).pathname);
    page.on('request', record);
    for (const hidden of ['agencies', 'statements', 'usage', 'audit', 'budgets']) {
      await page.evaluate((hash) => {
        location.hash = hash;
      }, hidden);
      await page.waitForFunction((hash) => location.hash === `#${hash}`, hidden);
      await s.busyDone();
      expect(await page.isHidden(`#page-${hidden}`), hidden).toBe(true);
    }
    page.off('request', record);
    expect(asked.filter((path) => /^\/(admin|billing|audit)\//.test(path))).toEqual([]);
    for (const path of ['/admin/agencies', `/billing/usage?agency=${other.agencyId}`, '/audit/events']) {
      expect((await s.gw.call(selfToken, 'GET', path)).status, path).toBe(403);
    }
  });

  it('keeps the agency pages from the operator: an admin, or a finance token with self:read too, sees none', async () => {
    // The operator's own agency may hold self:read too: the agency pages still stay hidden from it.
    const finance = await s.gw.operatorCredential(['billing:read', 'self:read']);
    await s.signOut();
    await s.signIn(finance.clientId, finance.clientSecret);
    await s.busyDone();
    expect(await visibleNav()).toEqual(['usage', 'statements', 'budgets']);
    await s.signOut();
    await s.signIn(ADMIN_ID, ADMIN_SECRET);
    await s.busyDone();
    expect(await visibleNav()).toEqual(['agencies', 'credentials', 'entitlements', 'plans', 'audit']);
    await page.evaluate(() => {
      location.hash = 'overview';
    });
    await s.busyDone();
    expect(await page.isHidden('#page-overview')).toBe(true);
    await s.signOut();
    await s.signIn(lan.self.clientId, lan.self.clientSecret);
    await s.busyDone();
  });

  it("shows the other agency its own account and calls only: no plan, no cap, none of the first agency's calls", async () => {
    await s.signOut();
    await s.signIn(other.self.clientId, other.self.clientSecret);
    await s.busyDone();
    const me = await api('/me', getMeRoute, await s.gw.token(other.self.clientId, other.self.clientSecret));
    expect(me.plan).toBeNull();
    expect(me.month.budget).toBeNull();
    await page.waitForSelector('#overview-body:not([hidden])');
    expect(await page.textContent('#overview-agency')).toContain('AGP-KHAC');
    expect(await page.textContent('#overview-plan-name')).toBe(vi['overview.noPlan']);
    expect(await page.textContent('#overview-budget-note')).toBe(vi['overview.noBudget']);
    expect(await fact('quota')).toBe(formatCount(me.limits.monthlyQuota));
    expect(await fact('calls')).toBe(formatCount(1));
    expect(await page.isHidden('#overview-prices-box')).toBe(true);
    expect(await page.locator('#page-overview [data-fact="capVnd"]').count()).toBe(0);
    await s.checkBothLanguages('agency-overview-no-plan');

    // Its statement says "no plan" in words, never the API's placeholder plan NONE v0.
    await s.goTo('my-statements');
    await page.waitForSelector('#my-statement-view [data-fact="fee-plan"]');
    expect(await page.textContent('#my-statement-view [data-fact="plans"]')).toBe(vi['statement.noPlan']);
    expect(await page.textContent('#my-statement-view [data-fact="fee-plan"]')).toBe(vi['statement.noPlan']);
    expect(await page.textContent('#my-statement-view [data-total="statements.fee"]')).toBe(formatVnd(0));
    // biome-ignore lint/performance/useDomNodeTextContent: what a user reads (a closed disclosure is not).
    expect(await page.innerText('#page-my-statements')).not.toMatch(/\bNONE\b|No plan/);
    await s.switchLanguage('en');
    expect(await page.textContent('#my-statement-view [data-fact="plans"]')).toBe(
      messages.en['statement.noPlan'],
    );
    await s.switchLanguage('vi');

    await s.goTo('my-calls');
    const officers = await page.$$eval('#my-calls-table tbody tr td:nth-child(2)', (tds) =>
      tds.map((td) => td.textContent),
    );
    expect(officers).toEqual(['CA-9001']);
    const shown = (await page.textContent('#my-calls-table')) ?? '';
    for (const theirs of ['CB-0042', 'CB-0077', 'HS-2026/001', AN]) expect(shown).not.toContain(theirs);
  });

  it('raised no browser error', () => {
    expect(s.errors).toEqual([]);
  });
});
