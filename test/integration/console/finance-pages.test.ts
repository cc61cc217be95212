import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { messages, translate } from '../../../console/catalogue.js';
import { formatPeriod, formatVnd, periodOf, shiftPeriod } from '../../../console/format.js';
import { statementRoute } from '../../../functions/billing/routes';
import { answerTo } from '../../support/answers';
import { type ConsoleSession, expectTidyLayout, openConsole, skipBrowser } from '../../support/console-page';

/**
 * The finance pages: a statement explained as an invoice is checked (each price tier, the included calls, the
 * fee, the adjustments, VAT, the total), equal to the API's answer and to its CSV file; a month closed only once
 * it has ended, after a dialog naming the month and what closing does; usage drawn as bars.
 */

const vi = messages.vi;
const now = new Date();
const thisMonth = periodOf(now.getTime());
const lastMonth = shiftPeriod(thisMonth, -1);

let s: ConsoleSession;
let page: Page;
let admin: string;
let finance: string;
const financeClient = { clientId: '', secret: '' };
let tiered: { agencyId: string; clientId: string };
let other: { agencyId: string; clientId: string };

/** An agency's statement of `period`, as finance reads it (parsed with the schema the route documents). */
const statementOf = async (agencyId: string, period: string) =>
  answerTo(
    await s.gw.call(finance, 'GET', `/billing/statements/${period}?agency=${agencyId}`),
    statementRoute,
  );

/** A money or count cell as the number it shows: "1.000 ₫" → 1000, "-400 ₫" → -400. */
const amountOf = (text: string | null | undefined) => Number((text ?? '').replace(/[^\d-]/g, ''));

/** The rows of an RFC 4180 CSV text, its quoted cells unquoted. */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let value = '';
  let quoted = false;
  const body = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < body.length; i++) {
    const char = body[i];
    if (quoted) {
      if (char === '"' && body[i + 1] === '"') {
        value += '"';
        i++;
      } else if (char === '"') quoted = false;
      else value += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(value);
      value = '';
    } else if (char === '\r' && body[i + 1] === '\n') {
      row.push(value);
      rows.push(row);
      row = [];
      value = '';
      i++;
    } else value += char;
  }
  return rows;
}

describe.skipIf(skipBrowser)('the finance pages', () => {
  beforeAll(async () => {
    s = await openConsole(inject('dynamoEndpoint'), { artifacts: 'finance-pages' });
    page = s.page;
    const { gw } = s;
    admin = await gw.adminToken();
    const credential = await gw.operatorCredential(['billing:read', 'billing:close']);
    financeClient.clientId = credential.clientId;
    financeClient.secret = credential.clientSecret;
    finance = await gw.token(credential.clientId, credential.clientSecret);

    // Graduated prices (3 calls at 1 000 ₫, then 400 ₫), 2 included calls and a 50 000 ₫ monthly fee.
    const created = await gw.call(admin, 'POST', '/admin/plans', {
      code: 'TIERED',
      name: 'Gói bậc thang',
      rateLimit: { perSecond: 100, burst: 100 },
      monthlyQuota: 1_000,
      includedCalls: 2,
      monthlyFeeVnd: 50_000,
      unitPricesVnd: {},
      tiersVnd: { 'citizen:read': [{ upTo: 3, priceVnd: 1_000 }, { priceVnd: 400 }] },
    });
    expect(created.status).toBe(201);
    const entitlements = [{ operation: 'citizen:read' as const, purposes: ['1.001'] }];
    tiered = await gw.agencyWithCredential({
      code: 'FIN-TIER',
      name: 'Sở Tài chính tỉnh Thử nghiệm',
      entitlements,
      scopes: ['citizen:read'],
    });
    other = await gw.agencyWithCredential({
      code: 'FIN-OTHER',
      name: 'Sở Xây dựng tỉnh Thử nghiệm',
      entitlements,
      scopes: ['citizen:read'],
    });
    for (const agency of [tiered, other]) {
      const moved = await gw.call(admin, 'PUT', `/admin/agencies/${agency.agencyId}/plan`, {
        planCode: 'TIERED',
      });
      expect(moved.status).toBe(200);
    }
    // This month: 7 calls, one of them refunded. Last month: calls of both agencies, so it has 2 statements.
    const calls: string[] = [];
    for (let i = 0; i < 7; i++)
      calls.push(await gw.meter(tiered, now.toISOString(), { subject: '001099012345' }));
    const refund = await gw.call(finance, 'POST', '/billing/reversals', {
      agencyId: tiered.agencyId,
      period: thisMonth,
      requestId: calls[0],
      reason: 'Dữ liệu sai do lỗi đồng bộ',
    });
    expect(refund.status).toBe(201);
    const midLastMonth = `${lastMonth}-15T03:00:00Z`;
    for (const agency of [tiered, other]) {
      for (let day = 10; day < 13; day++) await gw.meter(agency, `${lastMonth}-${day}T03:00:00Z`);
    }
    await gw.meter(tiered, midLastMonth, { operation: 'business:read' });
    // Calls per day come from the sealed audit log.
    await gw.seal();
    const capped = await gw.call(admin, 'PUT', `/admin/agencies/${tiered.agencyId}/budget`, {
      capVnd: 60_000,
      enforce: false,
    });
    expect(capped.status).toBe(200);

    await page.goto(`${s.base}/console`);
    await s.signIn(financeClient.clientId, financeClient.secret);
    await s.busyDone();
  });

  afterAll(async () => {
    await s?.close();
  });

  it('explains a statement as an invoice: each tier, included calls, fee, refund, VAT, total, equal to the API and the CSV', async () => {
    await s.goTo('statements');
    const summaryRow = page.locator(`#statements-table tr[data-agency-id="${tiered.agencyId}"]`);
    await summaryRow.getByRole('button').click();
    await page.waitForSelector('#statement-detail:not([hidden]) #statement-tiers');
    const { statement } = await statementOf(tiered.agencyId, thisMonth);

    // Plans and the month's included calls.
    expect(await page.textContent('#statement-facts [data-fact="plans"]')).toBe(
      'TIERED phiên bản 1 (Gói bậc thang)',
    );
    expect(statement.includedCalls).toEqual({ allowance: 2, used: 2 });
    expect(await page.textContent('#statement-facts [data-fact="included"]')).toBe('đã dùng 2 trên 2 lượt');

    // Each tier: 7 billable, 2 included, then positions 1-3 at 1 000 ₫ and 4-5 at 400 ₫.
    const tiers = await page.$$eval('#statement-tiers tbody tr', (rows) =>
      rows.map((row) => Array.from(row.querySelectorAll('td'), (td) => td.textContent)),
    );
    expect(tiers).toEqual([
      [vi['op.citizen:read'], 'TIERED phiên bản 1', '1', '3', '3', formatVnd(1_000), formatVnd(3_000)],
      [vi['op.citizen:read'], 'TIERED phiên bản 1', '4', '5', '2', formatVnd(400), formatVnd(800)],
    ]);
    const apiTiers = statement.lines.flatMap((line) => line.tiers);
    expect(
      tiers.map((row) => [row[2], row[3], row[4], row[5], row[6]].map((cell) => amountOf(cell))),
    ).toEqual(apiTiers.map((t) => [t.fromCall, t.toCall, t.calls, t.unitPriceVnd, t.amountVnd]));

    // The refund, in words, with its period.
    const refund = page.locator('#statement-adjustments tbody tr[data-adjustment="reversal"]');
    const refundCells = await refund.locator('td').allTextContents();
    expect(refundCells[0]).toBe(formatPeriod(thisMonth));
    expect(refundCells[2]).toBe(vi['adjustment.reversal']);
    // Said in Vietnamese; the gateway's signed English (as in the CSV file) only behind "Chi tiết".
    expect(await refund.locator('td .about').textContent()).toBe(
      translate('vi', 'adjustment.about.reversal', { calls: '1', period: formatPeriod(thisMonth) }),
    );
    expect(await refund.locator('td .signed-description').textContent()).toBe(
      statement.adjustments[0]?.description,
    );
    expect(await refund.locator('td .signed-description').isVisible()).toBe(false);
    expect(amountOf(refundCells[6] ?? '')).toBe(-400);

    // Totals: 3 800 of calls + 50 000 fee − 400 refund = 53 400, VAT 10 % = 5 340, total 58 740.
    const total = async (key: string) => ({
      label: await page.textContent(`#statement-totals dt:has(+ dd[data-total="${key}"])`),
      amount: amountOf(await page.textContent(`#statement-totals dd[data-total="${key}"]`)),
    });
    expect(await total('statements.usage')).toEqual({ label: vi['statements.usage'], amount: 3_800 });
    expect(await total('statements.fee')).toEqual({
      label: 'Phí hằng tháng (gói TIERED phiên bản 1)',
      amount: 50_000,
    });
    expect((await total('statements.adjustments')).amount).toBe(-400);
    expect((await total('statements.subtotal')).amount).toBe(53_400);
    expect(await total('statements.vat')).toEqual({ label: 'Thuế GTGT (10%)', amount: 5_340 });
    expect((await total('statements.grandTotal')).amount).toBe(58_740);
    expect([statement.usageVnd, statement.monthlyFeeVnd, statement.subtotalVnd, statement.vatVnd]).toEqual([
      3_800, 50_000, 53_400, 5_340,
    ]);
    expect(statement.totalVnd).toBe(58_740);

    // The CSV file says the same: every tier, the fee, the refund and the totals.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#statement-csv')]);
    const rows = csvRows(readFileSync((await download.path()) as string, 'utf8'));
    const csvTiers = rows
      .filter((row) => row[0] === 'Bậc giá / Tier')
      .map((row) => [row[3], row[4], row[5], row[8], row[9]].map(Number));
    expect(csvTiers).toEqual(
      tiers.map((row) => [row[2], row[3], row[4], row[5], row[6]].map((cell) => amountOf(cell))),
    );
    const csvAmount = (item: string) => Number(rows.find((row) => row[0]?.startsWith(item))?.[9]);
    expect(csvAmount('Phí tháng / Monthly fee')).toBe((await total('statements.fee')).amount);
    expect(csvAmount('Điều chỉnh / Adjustment')).toBe(amountOf(refundCells[6] ?? ''));
    expect(csvAmount('Cộng / Subtotal')).toBe((await total('statements.subtotal')).amount);
    expect(csvAmount('Thuế GTGT / VAT 10%')).toBe((await total('statements.vat')).amount);
    expect(csvAmount('Tổng cộng / Total')).toBe((await total('statements.grandTotal')).amount);
    const included = rows.find((row) => row[0]?.startsWith('Lượt miễn phí trong tháng'));
    expect([included?.[1], included?.[3]].map(Number)).toEqual([2, 2]);

    await s.checkBothLanguages('statement-explained');
    await s.switchLanguage('en');
    expect(await page.textContent('#statement-facts [data-fact="included"]')).toBe('2 of 2 used');
    expect(await refund.locator('td').nth(2).textContent()).toBe(messages.en['adjustment.reversal']);
    await s.switchLanguage('vi');
    await expectTidyLayout(s, 'statements');
  });

  it('offers to close only a month that has ended in Vietnam, and asks first naming the month and its statements', async () => {
    // The running month: the button is there, disabled, and says why.
    expect(await page.inputValue('#statements-month')).toBe(formatPeriod(thisMonth));
    expect(await page.isDisabled('#close-month')).toBe(true);
    expect(await page.textContent('#close-reason')).toBe(
      translate('vi', 'statements.closeNotEnded', {
        period: formatPeriod(thisMonth),
        from: `01/${formatPeriod(shiftPeriod(thisMonth, 1))}`,
      }),
    );
    expect(await page.getAttribute('#close-month', 'aria-describedby')).toBe('close-reason');

    // Last month has ended: enabled; the dialog names the month and how many statements it signs.
    await page.fill('#statements-month', formatPeriod(lastMonth));
    await page.click('#statements-form button[type=submit]');
    await s.busyDone();
    await page.locator(`#statements-table tr[data-agency-id="${other.agencyId}"]`).waitFor();
    expect(await page.isEnabled('#close-month')).toBe(true);
    expect(await page.isHidden('#close-reason')).toBe(true);
    await page.click('#close-month');
    await page.waitForSelector('#confirm-dialog[open]');
    const body = `Khóa sổ tháng ${formatPeriod(lastMonth)}: bảng kê của 2 cơ quan sẽ được ký và không thể sửa.`;
    expect(await page.textContent('#confirm-body')).toContain(body);
    expect(await page.textContent('#confirm-title')).toBe(`Khóa sổ tháng ${formatPeriod(lastMonth)}?`);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('confirm-cancel');
    await s.checkBothLanguages('close-month-dialog');

    // Cancel leaves the month open.
    await page.click('#confirm-cancel');
    await page.waitForSelector('#confirm-dialog:not([open])', { state: 'attached' });
    expect((await statementOf(tiered.agencyId, lastMonth)).status).toBe('open');
    expect((await statementOf(other.agencyId, lastMonth)).status).toBe('open');
    expect(await page.textContent('#notice')).toBe('');

    // Confirmed: both statements are signed, and there is nothing left to close.
    await page.click('#close-month');
    await page.click('#confirm-dialog[open] #confirm-ok');
    await page.waitForFunction(() => document.getElementById('notice')?.textContent?.includes('Đã khóa sổ'));
    expect((await statementOf(tiered.agencyId, lastMonth)).status).toBe('closed');
    expect((await statementOf(other.agencyId, lastMonth)).status).toBe('closed');
    await page.locator(`#statements-table tr[data-agency-id="${other.agencyId}"] .badge.closed`).waitFor();
    expect(await page.isDisabled('#close-month')).toBe(true);
    expect(await page.textContent('#close-reason')).toBe(
      translate('vi', 'statements.closeDone', { period: formatPeriod(lastMonth) }),
    );

    // The closed statement, through the same view: its close time and a signature checked in the browser.
    await page
      .locator(`#statements-table tr[data-agency-id="${tiered.agencyId}"]`)
      .getByRole('button')
      .click();
    await page.waitForSelector('#statement-verify:not([hidden])');
    expect(await page.textContent('#statement-status')).toMatch(
      /^Đã khóa sổ Khóa sổ lúc \d\d\/\d\d\/\d{4} \d\d:\d\d/,
    );
    await page.click('#statement-verify');
    await page.waitForSelector('#statement-verify-result [data-verified="true"]');
    await s.checkBothLanguages('statement-closed');
  });

  it('draws calls per day and per month as bars, the last date label whole, in both languages', async () => {
    await s.goTo('usage');
    const chart = page.locator('#usage-chart');
    await page.waitForSelector('#usage-chart canvas');
    await page.waitForSelector('#usage-chart[data-bars]');
    expect(await chart.getAttribute('data-paths')).toBe('bars');
    // One bar per day with calls (today's): drawn, counted as uPlot lays the bars out.
    expect(Number(await chart.getAttribute('data-bars'))).toBeGreaterThanOrEqual(1);
    expect(await barPixels()).toBeGreaterThan(400);
    expect(await clippedAtRight()).toBe(false);
    // From the first of last month: the last day, labelled at the right edge, is still whole.
    await page.fill('#usage-from', `01/${formatPeriod(lastMonth)}`);
    await page.click('#usage-form button[type=submit]');
    await s.busyDone();
    await page.waitForFunction(
      () => Number(document.querySelector('#usage-chart')?.getAttribute('data-bars')) >= 4,
    );
    expect(await clippedAtRight()).toBe(false);
    await s.checkBothLanguages('usage-bars-day');
    await expectTidyLayout(s, 'usage-day');

    await page.selectOption('#usage-granularity', 'month');
    await page.fill('#usage-from', formatPeriod(shiftPeriod(thisMonth, -2)));
    await page.fill('#usage-to', formatPeriod(thisMonth));
    await page.click('#usage-form button[type=submit]');
    await s.busyDone();
    await page.waitForSelector('#usage-chart[data-bars]');
    // Two months with calls (last month's and this month's), each one bar (one series: by operation, stacked).
    expect(Number(await chart.getAttribute('data-bars'))).toBeGreaterThanOrEqual(2);
    expect(await clippedAtRight()).toBe(false);
    const legend = await page.textContent('#usage-chart .u-legend');
    expect(legend).toContain(vi['op.citizen:read']);
    await s.checkBothLanguages('usage-bars-month');
    await s.switchLanguage('en');
    expect(await page.textContent('#usage-chart .u-legend')).toContain(messages.en['op.citizen:read']);
    await s.switchLanguage('vi');
    await expectTidyLayout(s, 'usage-month');
  });

  it('shows the budgets in words at every size', async () => {
    await s.goTo('budgets');
    const row = page.locator(`#budgets-table tr[data-agency-id="${tiered.agencyId}"]`);
    await row.waitFor();
    // 58 740 ₫ of a 60 000 ₫ cap: near it.
    expect(await row.getAttribute('data-state')).toBe('near');
    expect(await row.locator('td').first().textContent()).toBe(`⚠ ${vi['budgetState.near']}`);
    expect(await row.locator('td').nth(2).textContent()).toBe(formatVnd(58_740));
    await s.checkBothLanguages('budgets');
    await expectTidyLayout(s, 'budgets');
  });

  it('met no script error', () => {
    expect(s.errors).toEqual([]);
  });
});

/** How many of the chart's canvas pixels are painted in the first series' colour (a line of 2 px paints few). */
function barPixels(): Promise<number> {
  return page.evaluate(() => {
    const canvas = document.querySelector('#usage-chart canvas') as HTMLCanvasElement;
    const { data } = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(
      0,
      0,
      canvas.width,
      canvas.height,
    );
    let painted = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] === 0x0b && data[i + 1] === 0x5c && data[i + 2] === 0xad) painted++;
    }
    return painted;
  });
}

/** Whether anything is drawn in the canvas's last column below the plot: a date label cut off at the edge. */
function clippedAtRight(): Promise<boolean> {
  return page.evaluate(() => {
    const canvas = document.querySelector('#usage-chart canvas') as HTMLCanvasElement;
    const context = canvas.getContext('2d') as CanvasRenderingContext2D;
    const band = Math.round(canvas.height * 0.15);
    const { data } = context.getImageData(canvas.width - 2, canvas.height - band, 2, band);
    for (let i = 3; i < data.length; i += 4) if ((data[i] as number) > 0) return true;
    return false;
  });
}
