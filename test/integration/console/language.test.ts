// biome-ignore-all lint/performance/useDomNodeTextContent: what a user reads is the rendered text (innerText), not the DOM's.
import type { Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { messages, translate } from '../../../console/catalogue.js';
import { PLATFORM_AGENCY_ID } from '../../../shared/identity/admin-service';
import { issuedCredentialOf } from '../../support/answers';
import {
  type ConsoleSession,
  expectNoApiEnglish,
  openConsole,
  skipBrowser,
} from '../../support/console-page';
import { ADMIN_ID, ADMIN_SECRET } from '../../support/gateway';

/**
 * The console in the user's language: every problem the API answers is worded from its type, the API's English
 * only behind a closed "Chi tiết" disclosure; the audit page's outcomes and refusal reasons in words, refused
 * attempts beside served calls, filtered, their receipts verified in the browser.
 */

const vi = messages.vi;
const en = messages.en;
const AN = '001099012345';
const BICH = '048301000123';

let s: ConsoleSession;
let page: Page;

/** The alert as a user reads it (a closed disclosure is not rendered, so not in it). */
const alertText = () => page.$eval('#alert', (el) => (el as HTMLElement).innerText.replace(/\s+/g, ' '));
const alertShown = () => page.waitForSelector('#alert:not([hidden])');

/** The API's own words behind the disclosure: its title and detail and the request id, once opened. */
async function disclosure(): Promise<string> {
  const details = page.locator('#alert details.problem-details');
  expect(await details.evaluate((el) => (el as HTMLDetailsElement).open)).toBe(false);
  return (await details.textContent()) ?? '';
}

/** The current alert in English, then back in Vietnamese: said again in each language. */
async function inEnglish(): Promise<string> {
  await s.switchLanguage('en');
  const text = await alertText();
  await s.switchLanguage('vi');
  return text;
}

/** Sends the console's next request to `path` instead (a real answer of the gateway to another request). */
async function answerNextFrom(pattern: string, path: string) {
  await page.route(
    pattern,
    async (route: Route) => {
      await route.continue({ url: `${s.base}${path}` });
    },
    { times: 1 },
  );
}

async function searchAudit({ subject = '', agency = '' } = {}) {
  await page.fill('#audit-subject', subject);
  await page.fill('#audit-agency', agency);
  await page.click('#audit-form button[type=submit]');
  await s.busyDone();
}

describe.skipIf(skipBrowser)('the console in the language the user chose', () => {
  let served: string;
  let refused: string;
  let summary: string;

  beforeAll(async () => {
    s = await openConsole(inject('dynamoEndpoint'), { artifacts: 'console-language' });
    page = s.page;
    const { gw } = s;
    const entitlements = [{ operation: 'citizen:read' as const, purposes: ['1.001'] }];
    const a = await gw.agencyWithCredential({ code: 'LANG-A', entitlements, scopes: ['citizen:read'] });
    const b = await gw.agencyWithCredential({ code: 'LANG-B', entitlements, scopes: ['citizen:read'] });
    const [tokenA, tokenB] = await Promise.all([
      gw.token(a.clientId, a.clientSecret),
      gw.token(b.clientId, b.clientSecret),
    ]);
    const lookUp = (token: string, purpose: string, subject = AN) =>
      gw.call(token, 'GET', `/v1/citizens/${subject}`, undefined, {
        'X-Purpose': purpose,
        'X-Officer-Id': 'CB-0042',
      });
    const ok = await lookUp(tokenA, '1.001');
    expect(ok.status).toBe(200);
    served = ok.headers.get('X-Request-Id') as string;
    // A purpose the agency is not entitled to: refused, and recorded as refused.
    const no = await lookUp(tokenA, '9.999');
    expect(no.status).toBe(403);
    refused = no.headers.get('X-Request-Id') as string;
    // More refusals in one minute than are recorded one by one: the 21st is the minute's summary record.
    if (new Date().getSeconds() > 45)
      await new Promise((r) => setTimeout(r, (61 - new Date().getSeconds()) * 1000));
    const flood: string[] = [];
    for (let i = 0; i < 23; i++) {
      const response = await lookUp(tokenB, '9.999', BICH);
      expect(response.status).toBe(403);
      flood.push(response.headers.get('X-Request-Id') as string);
    }
    summary = flood[20] as string;
    await page.goto(`${s.base}/console`);
  });

  afterAll(async () => {
    await s?.close();
  });

  it('says a failed sign-in in Vietnamese, the API’s English only behind “Chi tiết”', async () => {
    await page.fill('#signin-client', ADMIN_ID);
    await page.fill('#signin-secret', 'not-the-secret');
    await page.click('#signin-form button[type=submit]');
    await alertShown();
    expect(await alertText()).toContain(
      `${vi['signin.failed']}: mã ứng dụng hoặc khóa bí mật không đúng, hoặc thông tin xác thực đã bị thu hồi.`,
    );
    await expectNoApiEnglish(s, 'sign-in failed');
    const behind = await disclosure();
    expect(behind).toContain('Client authentication failed');
    expect(behind).toContain('/problems/oauth-invalid-client');
    expect(await inEnglish()).toContain(
      `${en['signin.failed']}: the client id or secret is wrong, or the credential has been revoked.`,
    );
    await s.checkBothLanguages('signin-failed');
  });

  it('words a validation error by the form’s label and the rule, not the API’s English', async () => {
    await s.signIn(ADMIN_ID, ADMIN_SECRET);
    await s.goTo('audit');
    await searchAudit();
    // Neither given: said in the page, nothing sent.
    expect(await alertText()).toBe(vi['audit.needQuery']);
    await searchAudit({ subject: '12345' });
    const field = page.locator('#alert li[data-path="subject"]');
    await field.waitFor();
    expect(await field.innerText()).toBe(`${vi['audit.subject']} subject: ${vi['field.invalid_format']}`);
    expect(await alertText()).toContain(
      `${vi['audit.searchFailed']}: ${vi['problem.validation-error']?.toLowerCase()}`,
    );
    await expectNoApiEnglish(s, 'validation error');
    expect(await disclosure()).toContain('a subject is a 12-digit national ID');
    expect(await inEnglish()).toContain(`${en['audit.subject']} subject: ${en['field.invalid_format']}`);
    await s.checkBothLanguages('validation-error');
  });

  it('says a conflict, a not-found and a forbidden in words', async () => {
    // A conflict: an agency code that is taken.
    await s.goTo('agencies');
    await page.fill('#agency-code', 'LANG-A');
    await page.fill('#agency-name', 'Trùng mã');
    await page.click('#agency-form button[type=submit]');
    await alertShown();
    expect(await page.getAttribute('#alert p.problem', 'data-problem')).toBe('conflict');
    expect(await alertText()).toContain(vi['problem.conflict']?.slice(1));
    await expectNoApiEnglish(s, 'conflict');
    expect(await disclosure()).toContain('An agency with code LANG-A already exists.');
    expect(await inEnglish()).toContain(en['problem.conflict']?.slice(1));

    // A not-found and a forbidden: the gateway's real answers to other requests than the search.
    await s.goTo('audit');
    for (const [path, slug] of [
      ['/admin/agencies/ag_missing0', 'not-found'],
      ['/oauth/nothing-here', 'not-found'],
      ['/audit/log/consistency?from=1&to=999999', 'bad-request'],
    ] as const) {
      await answerNextFrom('**/audit/events?*', path);
      await searchAudit({ subject: AN });
      await alertShown();
      expect(await page.getAttribute('#alert p.problem', 'data-problem')).toBe(slug);
      expect(await alertText()).toContain(vi[`problem.${slug}`]!.slice(1));
      await expectNoApiEnglish(s, `${slug} from ${path}`);
      expect(await inEnglish()).toContain(en[`problem.${slug}`]!.slice(1));
    }

    // Forbidden: an auditor's token on an admin route.
    const issued = await s.gw.call(
      await s.gw.adminToken(),
      'POST',
      `/admin/agencies/${PLATFORM_AGENCY_ID}/credentials`,
      {
        scopes: ['audit:read'],
      },
    );
    expect(issued.status).toBe(201);
    const auditor = await issuedCredentialOf(issued);
    await s.signOut();
    await s.signIn(auditor.clientId, auditor.clientSecret);
    await answerNextFrom('**/audit/events?*', '/admin/agencies');
    await searchAudit({ subject: AN });
    await alertShown();
    expect(await page.getAttribute('#alert p.problem', 'data-problem')).toBe('forbidden');
    expect(await alertText()).toContain(
      `${vi['audit.searchFailed']}: ${vi['problem.forbidden']?.toLowerCase()}`,
    );
    await expectNoApiEnglish(s, 'forbidden');
    expect(await disclosure()).toContain('This route needs scope admin');
    expect(await inEnglish()).toContain(en['problem.forbidden']?.toLowerCase());
    await s.signOut();
    await s.signIn(ADMIN_ID, ADMIN_SECRET);
    await s.goTo('audit');
  });

  it('says a 503 and a 429 in words, with what failed', async () => {
    for (const [status, slug, title, detail] of [
      [
        503,
        'service-unavailable',
        'Service Unavailable',
        'A gateway dependency is unavailable; nothing was served or billed. Retry shortly.',
      ],
      [
        429,
        'too-many-requests',
        'Too Many Requests',
        'Rate limit of 5 calls per second exceeded for this credential.',
      ],
    ] as const) {
      await page.route(
        '**/audit/events?*',
        (route) =>
          route.fulfill({
            status,
            contentType: 'application/problem+json',
            headers: { 'Retry-After': '1', 'X-Request-Id': 'req-fake-1' },
            body: JSON.stringify({
              type: `/problems/${slug}`,
              title,
              status,
              detail,
              instance: '/audit/events',
              requestId: 'req-fake-1',
            }),
          }),
        { times: 1 },
      );
      await searchAudit({ subject: AN });
      await alertShown();
      expect(await alertText()).toBe(
        `${vi['audit.searchFailed']}: ${lowerFirst(vi[`problem.${slug}`]!)} ${vi['problem.details']}`,
      );
      await expectNoApiEnglish(s, slug);
      const behind = await disclosure();
      expect(behind).toContain(detail);
      expect(behind).toContain('req-fake-1');
      expect(await inEnglish()).toBe(
        `${en['audit.searchFailed']}: ${lowerFirst(en[`problem.${slug}`]!)} ${en['problem.details']}`,
      );
      await s.checkBothLanguages(`problem-${status}`);
    }
  });

  it('shows a refused attempt beside a served call, with why in words, and filters them', async () => {
    await searchAudit({ subject: AN });
    const servedRow = page.locator(`#audit-table tr[data-record="${served}"]`);
    const refusedRow = page.locator(`#audit-table tr[data-record="${refused}"]`);
    await servedRow.waitFor();
    expect(await servedRow.locator('td[data-outcome]').innerText()).toBe(vi['outcome.served']);
    const outcome = (await refusedRow.locator('td[data-outcome]').innerText()).replace(/\s+/g, ' ');
    expect(outcome).toContain(`${vi['outcome.refused']} ${vi['audit.refusal.forbidden']}`);
    // The API's reason (a problem slug and an English detail) only behind the row's own disclosure.
    expect(outcome).not.toMatch(/forbidden|may not use|refused|served/);
    expect(await refusedRow.locator('details').textContent()).toContain(
      'may not use citizen:read for purpose 9.999',
    );
    await expectNoApiEnglish(s, 'audit');

    const ids = () =>
      page.$$eval('#audit-table tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.record));
    await page.selectOption('#audit-outcome', 'refused');
    expect(await ids()).toEqual([refused]);
    await page.selectOption('#audit-outcome', 'served');
    expect(await ids()).toEqual([served]);
    await page.selectOption('#audit-outcome', 'all');
    expect((await ids()).sort()).toEqual([served, refused].sort());
    await s.checkBothLanguages('audit-refused');
    await s.switchLanguage('en');
    expect((await refusedRow.locator('td[data-outcome]').innerText()).replace(/\s+/g, ' ')).toContain(
      `${en['outcome.refused']} ${en['audit.refusal.forbidden']}`,
    );
    await s.switchLanguage('vi');
  });

  it('searches by agency, with the minute’s refusals beyond the recorded ones as a count', async () => {
    await page.selectOption('#audit-outcome', 'refused');
    await searchAudit({ agency: 'LANG-B' });
    const row = page.locator(`#audit-table tr[data-record="${summary}"]`);
    await row.waitFor();
    expect(await page.textContent('#h-audit-results')).toContain('LANG-B');
    // 23 refused: 20 recorded one by one, and the summary stands for the other 3.
    expect(await row.locator('td[data-action]').innerText()).toBe(
      translate('vi', 'audit.beyondLimit', { count: '3' }),
    );
    expect(await page.$$eval('#audit-table tbody tr', (trs) => trs.length)).toBe(21);
    await s.checkBothLanguages('audit-agency');
  });

  it("verifies a refused record's receipt, and the summary's, in the browser", async () => {
    await s.gw.seal();
    for (const [id, search] of [
      [summary, { agency: 'LANG-B' }],
      [refused, { subject: AN }],
    ] as const) {
      await searchAudit(search);
      const row = page.locator(`#audit-table tr[data-record="${id}"]`);
      await row.getByRole('button', { name: translate('vi', 'audit.receiptVerifyLabel', { id }) }).click();
      await page.locator('#audit-receipt-result [data-receipt]').waitFor();
      expect(await page.getAttribute('#audit-receipt-result [data-receipt]', 'data-receipt')).toBe('ok');
      expect(await row.getAttribute('data-receipt')).toBe('ok');
    }
    await s.checkBothLanguages('audit-receipt');
    expect(s.errors).toEqual([]);
  });

  it("says a check's own message again when the language changes, and names the scopes in words", async () => {
    await page.fill('#audit-subject', '');
    await page.fill('#audit-agency', '');
    await page.click('#audit-form button[type=submit]');
    await alertShown();
    expect(await alertText()).toBe(vi['audit.needQuery']);
    expect(await inEnglish()).toBe(en['audit.needQuery']);
    expect(await alertText()).toBe(vi['audit.needQuery']);

    // The header names what the credential may do, not its raw scopes.
    const who = (await page.textContent('#who')) ?? '';
    expect(who).toContain(ADMIN_ID);
    expect(who).toContain(vi['scope.admin']);
    expect(who.split('·').at(-1)).not.toMatch(/\b(admin|billing:read|audit:read)\b/);
  });

  it('drops a page of the last search that arrives after a new search', async () => {
    await page.selectOption('#audit-outcome', 'all');
    // LANG-B's records one a page (the console asks for 200): so the search has a next page to load.
    await page.route(
      /\/audit\/events\?/,
      (route: Route) => {
        const url = new URL(route.request().url());
        url.searchParams.set('limit', '1');
        return route.continue({ url: url.href });
      },
      { times: 1 },
    );
    await searchAudit({ agency: 'LANG-B' });
    await page.waitForSelector('#audit-more:not([hidden])');
    // "Tải thêm", held back until the user has started a new search and seen its answer.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(
      /\/audit\/events\?.*cursor=/,
      async (route: Route) => {
        await held;
        await route.continue();
      },
      { times: 1 },
    );
    await page.click('#audit-more');
    await searchAudit({ subject: AN });
    const ids = () =>
      page.$$eval('#audit-table tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.record));
    expect((await ids()).sort()).toEqual([served, refused].sort());
    const late = page.waitForResponse(/\/audit\/events\?.*cursor=/);
    release();
    await late;
    // Its click has ended once the button is enabled again (hidden now: the search for AN has no next page).
    await page.waitForSelector('#audit-more:not([disabled])', { state: 'attached' });
    await s.busyDone();
    // The late page of LANG-B's records is not added to the search for AN, nor does it replace it.
    expect((await ids()).sort()).toEqual([served, refused].sort());
    expect(await page.textContent('#h-audit-results')).toBe(
      translate('vi', 'audit.results', { subject: AN }),
    );
  });
});

const lowerFirst = (text: string) => text[0]?.toLocaleLowerCase() + text.slice(1);
