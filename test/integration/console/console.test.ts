import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { exportJWK, generateKeyPair } from 'jose';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { messages, translate } from '../../../console/catalogue.js';
import {
  dayOf,
  formatCount,
  formatDateTime,
  formatPeriod,
  formatVnd,
  periodOf,
  shiftPeriod,
} from '../../../console/format.js';
import { listAgenciesRoute } from '../../../functions/admin/routes';
import { checkpointRoute, proofRoute } from '../../../functions/audit/routes';
import { tokenRoute } from '../../../functions/token/oauth';
import { answerTo, wholeAnswerTo } from '../../support/answers';
import { assertionForm, clientAssertion } from '../../support/assertion';
import { type ConsoleSession, openConsole, skipBrowser } from '../../support/console-page';
import { ADMIN_ID, ADMIN_SECRET } from '../../support/gateway';

/**
 * The console end to end: the gateway over real HTTP, Chromium driven by playwright-core (CHROMIUM_PATH,
 * Debian's, or the one npm installs with @sparticuz/chromium; never a download), one browser and one page for
 * the whole flow, axe-core on every page in both languages.
 */

const vi = messages.vi;
const en = messages.en;

let s: ConsoleSession;
let page: Page;

const agency = { code: 'SYT-HN', name: 'Sở Y tế thành phố Hà Nội', id: '', clientId: '', secret: '' };
const finance = { clientId: '', secret: '' };
/** The X-Request-Id of every registry call the test makes over HTTP: the entries export must list them. */
const requestIds: string[] = [];
const now = new Date();
const thisMonth = periodOf(now);
const lastMonth = shiftPeriod(thisMonth, -1);

/** The one-time secret from the copy-once dialog, which is then copied and closed. */
async function takeSecretFromDialog(): Promise<{ clientId: string; secret: string }> {
  await page.waitForSelector('#secret-dialog[open]');
  const clientId = await page.inputValue('#secret-client');
  const secret = await page.inputValue('#secret-value');
  await page.click('#secret-copy');
  await page.click('#secret-close');
  await page.waitForSelector('#secret-dialog:not([open])', { state: 'attached' });
  expect(await page.inputValue('#secret-value')).toBe('');
  return { clientId, secret };
}

async function issueCredential(agencyId: string, scopes: string[]) {
  if ((await page.inputValue('#cred-agency')) !== agencyId) {
    await page.selectOption('#cred-agency', agencyId);
    await s.busyDone();
  }
  for (const scope of scopes) await page.check(`#cred-scopes input[value="${scope}"]`);
  await page.click('#cred-form button[type=submit]');
  return takeSecretFromDialog();
}

describe.skipIf(skipBrowser)('console', () => {
  beforeAll(async () => {
    // checkBothLanguages as this suite has always run it: axe-core and a screenshot in each language only.
    s = await openConsole(inject('dynamoEndpoint'));
    page = s.page;
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await s.screenshot(`failed-${task.name.replace(/\W+/g, '-')}`);
  });

  afterAll(async () => {
    await s?.close();
  });

  it('serves the page with a strict Content-Security-Policy and its own copy of uPlot', async () => {
    const response = await fetch(`${s.base}/console`);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    expect(html).not.toMatch(/<script>|<style|\son[a-z]+=|style="/);
    const uplot = await fetch(`${s.base}/console/assets/uPlot.iife.min.js`);
    expect(uplot.headers.get('content-type')).toContain('javascript');
    expect(await uplot.text()).toContain('uPlot');
    expect((await fetch(`${s.base}/console/assets/..%2Fpackage.json`)).status).toBe(404);
  });

  it('opens in Vietnamese on the sign-in page, switches to English, and refuses inline script', async () => {
    await page.goto(`${s.base}/console`);
    await page.waitForSelector('#page-signin:not([hidden])');
    expect(await page.getAttribute('html', 'lang')).toBe('vi');
    expect(await page.textContent('#h-signin')).toBe(vi['signin.title']);
    await s.checkBothLanguages('sign-in');
    await s.switchLanguage('en');
    expect(await page.textContent('#h-signin')).toBe(en['signin.title']);
    await s.switchLanguage('vi');
    await page.addScriptTag({ content: 'window.__inline = true;' }).catch(() => undefined);
    expect(await page.evaluate(() => (window as unknown as { __inline?: boolean }).__inline)).toBeUndefined();
    s.errors.length = 0; // the refused inline script above is the one expected CSP report
  });

  it('shows a failed sign-in as a readable message', async () => {
    await page.fill('#signin-client', ADMIN_ID);
    await page.fill('#signin-secret', 'not-the-secret');
    await page.click('#signin-form button[type=submit]');
    await page.waitForSelector('#alert:not([hidden])');
    expect(await page.textContent('#alert')).toContain('Đăng nhập không thành công');
  });

  it('signs the bootstrap admin in and shows only the pages its scopes allow', async () => {
    await s.signIn(ADMIN_ID, ADMIN_SECRET);
    const visible = await page.$$eval('#nav li:not([hidden]) a', (links) =>
      links.map((a) => (a as HTMLElement).dataset.page),
    );
    expect(visible).toEqual(['agencies', 'credentials', 'entitlements', 'plans', 'audit']);
    // The token is in a JS variable only.
    const stored = await page.evaluate(() => ({
      local: localStorage.length,
      session: sessionStorage.length,
      cookie: document.cookie,
      url: location.href,
    }));
    expect(stored).toEqual({ local: 0, session: 0, cookie: '', url: `${s.base}/console#agencies` });
  });

  it('registers an agency, shows an API error readably, and suspends and reactivates it', async () => {
    await page.waitForSelector('#page-agencies:not([hidden])');
    await s.busyDone();
    await page.fill('#agency-code', 'not valid');
    await page.fill('#agency-name', 'Sai mã');
    await page.click('#agency-form button[type=submit]');
    await page.waitForSelector('#alert:not([hidden])');
    expect(await page.textContent('#alert')).toMatch(/BHXH-DN/);

    await page.fill('#agency-code', agency.code);
    await page.fill('#agency-name', agency.name);
    await page.click('#agency-form button[type=submit]');
    const row = page.locator(`#agencies-table tr[data-agency="${agency.code}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain(agency.name);
    expect(await page.textContent('#notice')).toBe(`Đã đăng ký cơ quan ${agency.code}.`);
    agency.id = await page.$eval(
      `#cred-agency option:has-text("${agency.code}")`,
      (o) => (o as HTMLOptionElement).value,
    );

    await row.getByRole('button', { name: `Tạm dừng ${agency.code}` }).click();
    await page.click('#confirm-dialog[open] #confirm-ok');
    await row.locator('.badge.suspended').waitFor();
    await row.getByRole('button', { name: `Kích hoạt lại ${agency.code}` }).click();
    await row.locator('.badge.active').waitFor();
    await s.checkBothLanguages('agencies');
  });

  it('sets entitlements and puts the agency on a new plan', async () => {
    await s.goTo('entitlements');
    await page.selectOption('#ent-agency', agency.id);
    await s.busyDone();
    await page.check('#ent-on-citizen-read');
    await page.fill('#ent-purposes-citizen-read', '1.001, 1.002');
    await page.fill('#ent-fields-citizen-read', 'fullName, dateOfBirth');
    await page.click('#ent-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('notice')?.textContent?.includes('SYT-HN'));
    await s.checkBothLanguages('entitlements');

    await s.goTo('plans');
    await page.fill('#plan-code', 'STD');
    await page.fill('#plan-name', 'Gói tiêu chuẩn');
    await page.fill('#plan-included', '0');
    await page.fill('#plan-fee', '1000000');
    await page.fill('#plan-price-citizen-read', '500');
    // A rule only the API checks (burst >= perSecond): its validation error names the field, in a list.
    await page.fill('#plan-burst', '5');
    await page.click('#plan-form button[type=submit]');
    const field = page.locator('#alert li[data-path="rateLimit.burst"]');
    await field.waitFor();
    expect(await field.textContent()).toBe(
      `${vi['plans.burst']} rateLimit.burst: ${vi['field.rule.burst-at-least-per-second']}`,
    );
    expect(await page.textContent('#alert')).toContain(vi['error.fields']);
    await page.fill('#plan-burst', '20');
    // Tiers the API would refuse are caught in the page, saying which operation and why.
    await page.fill('#plan-tiers-citizen-read', '1.000: 500');
    await page.click('#plan-form button[type=submit]');
    await page.waitForSelector('#alert:not([hidden])');
    expect(await page.textContent('#alert')).toContain(`Bậc giá của ${vi['op.citizen:read']}: bậc cuối`);
    expect(await page.getAttribute('#plan-tiers-citizen-read', 'aria-invalid')).toBe('true');
    // The first 1 000 calls at 500 ₫, then 300 ₫: the test's 3 calls are all in the first tier.
    await page.fill('#plan-tiers-citizen-read', '1.000: 500; 300');
    await page.click('#plan-form button[type=submit]');
    const plan = page.locator('#plans-table tr[data-plan="STD"]');
    await plan.waitFor();
    expect(await plan.textContent()).toContain(formatVnd(1_000_000));
    expect(await plan.locator('li[data-tiers="citizen:read"]').textContent()).toBe(
      `${vi['op.citizen:read']}: lượt 1–1.000: ${formatVnd(500)}; từ lượt 1.001: ${formatVnd(300)}`,
    );
    await page.selectOption('#assign-agency', agency.id);
    await page.selectOption('#assign-plan', 'STD');
    await page.click('#assign-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('notice')?.textContent?.includes('STD'));
    await s.checkBothLanguages('plans');
  });

  it('issues a credential whose secret is shown once, and rotates and revokes credentials', async () => {
    await s.goTo('credentials');
    const issued = await issueCredential(agency.id, ['citizen:read']);
    agency.clientId = issued.clientId;
    agency.secret = issued.secret;
    expect(agency.clientId).toMatch(/^ndgc_/);
    expect(agency.secret.length).toBeGreaterThan(20);
    await page.locator(`#cred-table tr[data-client="${agency.clientId}"]`).waitFor();
    await s.checkBothLanguages('credentials');

    // A spare credential, rotated (a new one-time secret, the old one kept for the overlap) and revoked.
    const spare = await issueCredential(agency.id, ['citizen:read']);
    const spareRow = page.locator(`#cred-table tr[data-client="${spare.clientId}"]`);
    await spareRow.getByRole('button', { name: `Đổi khóa bí mật của ${spare.clientId}` }).click();
    await page.click('#confirm-dialog[open] #confirm-ok');
    await page.waitForSelector('#secret-overlap:not([hidden])');
    await s.screenshot('credentials-rotated-secret-vi');
    const rotated = await takeSecretFromDialog();
    expect(rotated.clientId).toBe(spare.clientId);
    expect(rotated.secret).not.toBe(spare.secret);
    await spareRow.getByRole('button', { name: `Thu hồi ${spare.clientId}` }).click();
    await page.click('#confirm-dialog[open] #confirm-ok');
    await spareRow.locator('.badge.revoked').waitFor();

    // The platform operator's finance client, issued the same way.
    const operator = await page.$eval(
      '#cred-agency option:has-text("NDG-OPS")',
      (o) => (o as HTMLOptionElement).value,
    );
    const issuedFinance = await issueCredential(operator, ['billing:read', 'billing:close']);
    finance.clientId = issuedFinance.clientId;
    finance.secret = issuedFinance.secret;
  });

  it('issues a private_key_jwt credential from a pasted public JWK, which gets a token with a signed assertion', async () => {
    await page.selectOption('#cred-agency', agency.id);
    await s.busyDone();
    await page.check('#cred-scopes input[value="citizen:read"]');
    await page.check('#cred-method-jwk');
    await page.waitForSelector('#cred-jwk-box:not([hidden])');
    // Not JSON: said in the page, with the parser's own words, before anything is sent.
    await page.fill('#cred-jwk', '{"kty": "EC", "crv": "P-256",');
    await page.click('#cred-form button[type=submit]');
    await page.waitForSelector('#alert:not([hidden])');
    expect(await page.textContent('#alert')).toContain('Khóa công khai không phải là JSON hợp lệ: ');
    expect(await page.getAttribute('#cred-jwk', 'aria-invalid')).toBe('true');
    // A private key: the gateway refuses it, and its problem detail is shown.
    const pair = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(pair.privateKey);
    await page.fill('#cred-jwk', JSON.stringify(privateJwk));
    await page.click('#cred-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('alert')?.textContent?.includes('private'));
    expect(await page.textContent('#alert')).toContain(
      'publicJwk holds private or symmetric key material: register the public key only.',
    );
    await s.checkBothLanguages('credentials-jwk');

    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'syt-hn-2026' };
    await page.fill('#cred-jwk', JSON.stringify(publicJwk, null, 2));
    await page.click('#cred-form button[type=submit]');
    await page.waitForFunction(() =>
      document.getElementById('notice')?.textContent?.includes('private_key_jwt'),
    );
    expect(await page.isVisible('#secret-dialog')).toBe(false);
    const row = page.locator('#cred-table tr[data-method="private_key_jwt"]');
    await row.waitFor();
    const clientId = (await row.getAttribute('data-client')) as string;
    expect(await page.textContent('#notice')).toContain(clientId);
    expect(await row.textContent()).toContain(`${vi['method.private_key_jwt']} · khóa EC P-256`);
    expect(await page.locator(`#cred-table tr[data-client="${agency.clientId}"]`).textContent()).toContain(
      vi['method.client_secret'],
    );
    expect(await page.inputValue('#cred-jwk')).toBe('');

    const assertion = await clientAssertion(
      clientId,
      pair.privateKey,
      `${s.gw.deps.config.TOKEN_ISSUER}/oauth/token`,
      {
        kid: publicJwk.kid as string,
      },
    );
    const response = await fetch(`${s.base}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: assertionForm(assertion),
    });
    const issued = await answerTo(response, tokenRoute);
    expect(issued.scope).toBe('citizen:read');
    expect(issued.access_token.split('.')).toHaveLength(3);
  });

  it('makes registry calls with the issued secret, and meters more earlier this month and last month', async () => {
    const tokenResponse = await fetch(`${s.base}/oauth/token`, {
      method: 'POST',
      headers: {
        Authorization: s.gw.basic(agency.clientId, agency.secret),
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    const { access_token } = await answerTo(tokenResponse, tokenRoute);
    for (const nationalId of ['001099012345', '001099012345', '048301000123']) {
      const response = await fetch(`${s.base}/v1/citizens/${nationalId}?fields=fullName`, {
        headers: { Authorization: `Bearer ${access_token}`, 'X-Purpose': '1.001', 'X-Officer-Id': 'CB-0042' },
      });
      expect(response.status).toBe(200);
      requestIds.push(response.headers.get('x-request-id') as string);
    }
    expect(new Set(requestIds).size).toBe(3);
    const midLastMonth = `${lastMonth}-15T03:00:00Z`;
    await s.gw.meter({ agencyId: agency.id, clientId: agency.clientId }, midLastMonth, {
      subject: '001099012345',
    });
    await s.gw.meter({ agencyId: agency.id, clientId: agency.clientId }, midLastMonth, {
      subject: '001099012345',
    });
    // Free operations on the days before today, so the chart has a shape (the statement's priced line stays 3 calls).
    const today = Number(dayOf(now).slice(8, 10));
    for (let day = 1; day < today; day++) {
      const at = `${thisMonth}-${String(day).padStart(2, '0')}T03:00:00Z`;
      for (let i = 0; i < ((day * 7) % 5) + 1; i++) {
        await s.gw.meter({ agencyId: agency.id, clientId: agency.clientId }, at, {
          operation: 'business:read',
        });
      }
      for (let i = 0; i < (day * 3) % 4; i++) {
        await s.gw.meter({ agencyId: agency.id, clientId: agency.clientId }, at, {
          operation: 'citizen:verify',
        });
      }
    }
  });

  it("sets the agency's monthly budget cap on the agency page", async () => {
    await s.goTo('agencies');
    await page.selectOption('#budget-agency', agency.id);
    await page.fill('#budget-cap', '1,2 triệu');
    await page.click('#budget-form button[type=submit]');
    await page.waitForSelector('#alert:not([hidden])');
    expect(await page.textContent('#alert')).toBe(
      '“1,2 triệu” không phải là số tiền hợp lệ: nhập số nguyên đồng, ví dụ 5.000.000.',
    );
    // Warn only: the agency's calls go on being served past the cap.
    await page.fill('#budget-cap', '1.200.000');
    await page.check('#budget-warn');
    await page.click('#budget-form button[type=submit]');
    const budget = page.locator(`#agencies-table tr[data-agency="${agency.code}"] td[data-budget="1200000"]`);
    await budget.waitFor();
    expect(await budget.textContent()).toBe(`${formatVnd(1_200_000)} · chỉ cảnh báo`);
    expect(await page.textContent('#notice')).toBe(
      `Đã đặt hạn mức ${formatVnd(1_200_000)} mỗi tháng cho cơ quan ${agency.code}.`,
    );
    // Choosing an agency again shows its cap and mode, ready to edit.
    await page.selectOption('#budget-agency', '');
    await page.selectOption('#budget-agency', agency.id);
    expect(await page.inputValue('#budget-cap')).toBe('1.200.000');
    expect(await page.isChecked('#budget-warn')).toBe(true);
    await s.screenshot('agencies-budget-vi');
  });

  it("finds who looked at a citizen, verifies the audit log, and verifies a record's receipt in the browser", async () => {
    await s.goTo('audit');
    await page.fill('#audit-subject', '001099012345');
    await page.click('#audit-form button[type=submit]');
    await page.waitForSelector('#audit-table:not([hidden]) tbody tr');
    const rows = await page.$$eval('#audit-table tbody tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
    expect(rows.filter((text) => text.includes(agency.code) && text.includes('1.001'))).toHaveLength(4);
    expect(rows.some((text) => text.includes('CB-0042'))).toBe(true);
    expect(
      rows.every((text) => text.includes(vi['outcome.served'] as string) && !text.includes('served')),
    ).toBe(true);

    // One of the test's own calls: its record id is the call's request id.
    const id = requestIds[0] as string;
    const row = page.locator(`#audit-table tr[data-record="${id}"]`);
    const receipt = page.locator('#audit-receipt-result [data-receipt]');
    const verifyReceipt = () => row.getByRole('button', { name: `Kiểm chứng bản ghi ${id}` }).click();
    const search = async () => {
      await page.click('#audit-form button[type=submit]');
      await page.locator(`#audit-table tr[data-record="${id}"]:not([data-receipt])`).waitFor();
    };

    // Not sealed yet (the sealer runs in `npm start` and from the stream in AWS, not in tests): no proof yet.
    await verifyReceipt();
    await receipt.waitFor();
    expect(await receipt.getAttribute('data-receipt')).toBe('waiting');
    expect(await receipt.textContent()).toBe(translate('vi', 'audit.receiptPending', { id }));
    expect(await row.locator('.receipt-state').textContent()).toBe(`… ${vi['audit.receiptWaiting']}`);

    const sealed = (await s.gw.seal()).treeSize;
    // Where the record is stored, found through the log: its leaf gives its index, its entry bundle its key.
    const { store, tables } = s.gw.deps;
    const leaf = (
      await store.send(new GetCommand({ TableName: tables.ledger, Key: { pk: `LEAF#${id}`, sk: 'LEAF' } }))
    ).Item as { index: number };
    const bundle = (
      await store.send(
        new GetCommand({
          TableName: tables.ledger,
          Key: { pk: `LOG#BUNDLE#${Math.floor(leaf.index / 256)}`, sk: 'BUNDLE' },
        }),
      )
    ).Item as { entries: { id: string; pk: string; sk: string }[] };
    const entry = bundle.entries[leaf.index % 256];
    expect(entry?.id).toBe(id);
    const setOfficer = (officerId: string) =>
      store.send(
        new UpdateCommand({
          TableName: tables.ledger,
          Key: { pk: entry?.pk, sk: entry?.sk },
          UpdateExpression: 'SET #event.officerId = :officer',
          ExpressionAttributeNames: { '#event': 'event' },
          ExpressionAttributeValues: { ':officer': officerId },
        }),
      );
    const verifyLog = async (ok: 'true' | 'false') => {
      await page.click('#audit-verify');
      await page.waitForSelector(`#audit-verify-result [data-ok="${ok}"]`);
      return page.textContent('#audit-verify-result');
    };

    // A record edited after it was sealed: the log's verification names it, then passes once it is restored.
    await setOfficer('CB-9999');
    expect(await verifyLog('false')).toBe(
      translate('vi', 'audit.broken', {
        id,
        leafIndex: formatCount(leaf.index),
        reason: vi['logBroken.changed'],
      }),
    );
    await setOfficer('CB-0042');
    expect(await verifyLog('true')).toBe(
      translate('vi', 'audit.ok', {
        checked: formatCount(sealed),
        from: '0',
        treeSize: formatCount(sealed),
        pending: '0',
      }),
    );
    expect(await page.textContent('#audit-verify-result')).toContain(
      `đã kiểm tra ${formatCount(sealed)} bản ghi`,
    );
    // Verification goes on from where it stopped: nothing new since.
    expect(await verifyLog('true')).toBe(
      translate('vi', 'audit.upToDate', { treeSize: formatCount(sealed) }),
    );

    // Sealed now: the proof and the published keys verify in the browser, against the row's receipt.
    await verifyReceipt();
    await page.locator('#audit-receipt-result [data-receipt="ok"]').waitFor();
    const checkpoint = await answerTo(await fetch(`${s.base}/audit/log/checkpoint`), checkpointRoute);
    expect(checkpoint.treeSize).toBe(sealed);
    const { kid } = JSON.parse(Buffer.from(checkpoint.jws.split('.')[0] as string, 'base64url').toString());
    const valid = {
      id,
      leafIndex: formatCount(leaf.index),
      treeSize: formatCount(sealed),
      time: formatDateTime(checkpoint.timestamp),
      kid,
    };
    expect(await receipt.textContent()).toBe(translate('vi', 'audit.receiptValid', valid));
    expect(await row.getAttribute('data-receipt')).toBe('ok');
    expect(await row.locator('.receipt-state').textContent()).toBe(`✓ ${vi['audit.receiptOk']}`);
    await s.checkBothLanguages('audit');
    await s.switchLanguage('en');
    expect(await receipt.textContent()).toBe(translate('en', 'audit.receiptValid', valid));
    expect(await page.textContent('#audit-verify-result')).toBe(
      translate('en', 'audit.upToDate', { treeSize: formatCount(sealed) }),
    );
    await s.switchLanguage('vi');

    // The record edited in the store: its stored receipt and the log still agree, but the record shown no
    // longer hashes to them, and the page says so.
    await setOfficer('CB-9999');
    await search();
    expect(await row.textContent()).toContain('CB-9999');
    await verifyReceipt();
    await page.locator('#audit-receipt-result [data-receipt="bad"]').waitFor();
    expect(await receipt.getAttribute('data-code')).toBe('recordChanged');
    expect(await receipt.textContent()).toBe(
      translate('vi', 'audit.receiptInvalid', { id, reason: vi['proof.recordChanged'] }),
    );
    expect(await row.locator('.receipt-state').textContent()).toBe(`✗ ${vi['audit.receiptBad']}`);
    await s.checkBothLanguages('audit-receipt-record-changed');
    await setOfficer('CB-0042');
    await search();

    // A proof altered on its way to the page (one hash of its audit path): it no longer leads to the signed root.
    const proofs = `${s.base}/audit/log/proofs/*`;
    await page.route(proofs, async (route) => {
      const response = await route.fetch();
      // Whole: the page is handed back this very answer but for one hash, none of its members dropped.
      const proof = await wholeAnswerTo(
        new Response(await response.text(), { status: response.status() }),
        proofRoute,
      );
      const first = proof.auditPath[0] as string;
      proof.auditPath[0] = `${first[0] === '0' ? '1' : '0'}${first.slice(1)}`;
      await route.fulfill({ response, json: proof });
    });
    await verifyReceipt();
    await page.locator('#audit-receipt-result [data-receipt="bad"]').waitFor();
    await page.unroute(proofs);
    expect(await receipt.getAttribute('data-code')).toBe('notIncluded');
    expect(await receipt.textContent()).toBe(
      translate('vi', 'audit.receiptInvalid', { id, reason: vi['proof.notIncluded'] }),
    );
    await s.screenshot('audit-receipt-altered-proof-vi');
    await s.signOut();
  });

  it('signs finance in and shows the calls on the usage chart', async () => {
    // A second cap, already reached: the operator agency's, at 0 ₫ (set through the API: a budget change
    // renews the agency's policy, which would sign out a console session of that agency, as the admin's is).
    const admin = await s.gw.adminToken();
    const operator = await answerTo(
      await s.gw.call(admin, 'GET', '/admin/agencies?limit=100'),
      listAgenciesRoute,
    );
    const ops = operator.items.find((a) => a.code === 'NDG-OPS')?.id as string;
    const capped = await s.gw.call(admin, 'PUT', `/admin/agencies/${ops}/budget`, {
      capVnd: 0,
      enforce: false,
    });
    expect(capped.status).toBe(200);
    await s.signIn(finance.clientId, finance.secret);
    const visible = await page.$$eval('#nav li:not([hidden]) a', (links) =>
      links.map((a) => (a as HTMLElement).dataset.page),
    );
    expect(visible).toEqual(['usage', 'statements', 'budgets']);
    await page.waitForSelector('#page-usage:not([hidden])');
    await s.busyDone();
    const row = page.locator(`#usage-table tr[data-agency-id="${agency.id}"][data-operation="citizen:read"]`);
    await row.waitFor();
    expect(await row.locator('td.num').textContent()).toBe(formatCount(3));
    await page.waitForSelector('#usage-chart canvas');
    expect(await page.textContent('#usage-chart .u-legend')).toContain(vi['op.citizen:read']);
    await s.screenshot('usage-by-day-vi');
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') {
      await page
        .locator('#page-usage')
        .screenshot({ path: join(process.cwd(), 'docs', 'images', 'console-usage.png') });
    }

    // By month, from last month: both months on the chart, one series per agency.
    await page.selectOption('#usage-granularity', 'month');
    await page.fill('#usage-from', formatPeriod(lastMonth));
    await page.fill('#usage-to', formatPeriod(thisMonth));
    await page.selectOption('#usage-group', 'agency');
    await page.click('#usage-form button[type=submit]');
    await page.waitForFunction(
      () =>
        document.querySelector('#usage-table tr[data-operation="citizen:read"] td.num')?.textContent ===
          '5' && !document.querySelector('[aria-busy]'),
    );
    expect(await page.textContent('#usage-chart .u-legend')).toContain(agency.name);
    await s.checkBothLanguages('usage');
  });

  it('draws the usage chart when the browser reports a language Intl refuses (a POSIX locale)', async () => {
    const posix = await s.context.newPage();
    posix.setDefaultTimeout(8_000);
    const errors: string[] = [];
    posix.on('pageerror', (error) => errors.push(error.message));
    // As a browser started under LANG=en_US@posix reports it: uPlot's number format would throw as it loads.
    await posix.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'language', {
        get: () => 'en-US@posix',
        configurable: true,
      });
    });
    try {
      await posix.goto(`${s.base}/console`);
      await posix.fill('#signin-client', finance.clientId);
      await posix.fill('#signin-secret', finance.secret);
      await posix.click('#signin-form button[type=submit]');
      await posix.waitForSelector('#usage-chart canvas');
      expect(await posix.evaluate(() => navigator.language)).toBe('vi');
      expect(errors).toEqual([]);
    } finally {
      await posix.close();
    }
  });

  it("shows this month's statement in VND and downloads it as CSV", async () => {
    await s.goTo('statements');
    expect(await page.inputValue('#statements-month')).toBe(formatPeriod(thisMonth));
    const summaryRow = page.locator(`#statements-table tr[data-agency-id="${agency.id}"]`);
    await summaryRow.waitFor();
    await summaryRow.getByRole('button').click();
    await page.waitForSelector('#statement-detail:not([hidden])');
    const line = page.locator('#statement-lines tr[data-operation="citizen:read"]');
    expect(await line.locator('td').allTextContents()).toEqual([
      vi['op.citizen:read'],
      '3',
      '3',
      '0',
      '3',
      formatVnd(1_500),
    ]);
    // 1 500 of calls + the 1 000 000 fee, with 10 % VAT.
    expect(await page.textContent('#statement-totals dd[data-total="statements.grandTotal"]')).toBe(
      formatVnd(1_101_650),
    );
    expect(formatVnd(1_101_650)).toMatch(/^1\.101\.650\s₫$/);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#statement-csv')]);
    // Finance cannot list agencies, so the file is named by the agency id.
    expect(download.suggestedFilename()).toBe(`statement-${agency.id}-${thisMonth}.csv`);
    const csv = readFileSync((await download.path()) as string, 'utf8');
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv).toContain(`Bảng kê / Statement,${thisMonth},Cơ quan / Agency,${agency.name},${agency.id}`);
    expect(csv).toContain('Dòng / Line,citizen:read,,,,3,3,0,,1500');
    expect(csv).toContain('Tổng cộng / Total,,,,,,,,,1101650');

    // The request ids behind the lines: every call the test made this month, each with its operation.
    const [entries] = await Promise.all([page.waitForEvent('download'), page.click('#statement-entries')]);
    expect(entries.suggestedFilename()).toBe(`entries-${agency.id}-${thisMonth}.csv`);
    const entriesCsv = readFileSync((await entries.path()) as string, 'utf8');
    expect(entriesCsv.startsWith('\uFEFFrequestId,at,operation,purpose,status,billable,plan')).toBe(true);
    for (const id of requestIds) {
      expect(entriesCsv).toMatch(new RegExp(`\r\n${id},[^,]+,citizen:read,1\\.001,200,yes,STD@1,`));
    }
    await s.checkBothLanguages('statements');
  });

  it('shows month-to-date spend against the cap on the Budgets view, marking the agency near its cap', async () => {
    await s.goTo('budgets');
    expect(await page.inputValue('#budgets-month')).toBe(formatPeriod(thisMonth));
    const row = page.locator(`#budgets-table tr[data-agency-id="${agency.id}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-state')).toBe('near');
    expect(await row.locator('th, td').allTextContents()).toEqual([
      agency.name,
      `⚠ ${vi['budgetState.near']}`,
      formatVnd(1_200_000),
      formatVnd(1_101_650),
      formatVnd(98_350),
      '91%',
      vi['budgets.warn'],
    ]);
    expect(await page.textContent('#budgets-count')).toBe('2 cơ quan có hạn mức: 1 đã đạt, 1 sắp đạt.');
    // Reached first, said in words and a sign (not by colour alone).
    const states = await page.$$eval('#budgets-table tbody tr', (trs) =>
      trs.map((tr) => [(tr as HTMLElement).dataset.state, tr.querySelector('td')?.textContent]),
    );
    expect(states).toEqual([
      ['reached', `⛔ ${vi['budgetState.reached']}`],
      ['near', `⚠ ${vi['budgetState.near']}`],
    ]);
    expect(await page.textContent('#h-budgets-list')).toBe(`Ngân sách tháng ${formatPeriod(thisMonth)}`);
    await s.checkBothLanguages('budgets');
    await s.switchLanguage('en');
    expect(await row.locator('td').first().textContent()).toBe(`⚠ ${en['budgetState.near']}`);
    await s.switchLanguage('vi');
    await s.goTo('statements');
  });

  it('closes last month and verifies the signed statement with the published keys', async () => {
    await page.fill('#statements-month', formatPeriod(lastMonth));
    await page.click('#statements-form button[type=submit]');
    await s.busyDone();
    // The close is held back a moment, so the progress it shows can be seen.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(`${s.base}/billing/periods/*/close`, async (route) => {
      await held;
      await route.continue();
    });
    await page.click('#close-month');
    expect(await page.textContent('#confirm-dialog[open] #confirm-body')).toContain(
      `Khóa sổ tháng ${formatPeriod(lastMonth)}: bảng kê của 1 cơ quan sẽ được ký và không thể sửa.`,
    );
    await page.click('#confirm-dialog[open] #confirm-ok');
    await page.waitForSelector('#page-statements[aria-busy="true"]');
    expect(await page.isVisible('#busy progress')).toBe(true);
    expect(await page.textContent('#busy-label')).toBe(`Đang khóa sổ tháng ${formatPeriod(lastMonth)}…`);
    expect(await page.isDisabled('#close-month')).toBe(true);
    release();
    await page.waitForFunction(() => document.getElementById('notice')?.textContent?.includes('Đã khóa sổ'));
    await page.unroute(`${s.base}/billing/periods/*/close`);
    const summaryRow = page.locator(`#statements-table tr[data-agency-id="${agency.id}"]`);
    await summaryRow.locator('.badge.closed').waitFor();
    await summaryRow.getByRole('button').click();
    await page.waitForSelector('#statement-verify:not([hidden])');
    expect(await page.textContent('#statement-totals dd[data-total="statements.grandTotal"]')).toBe(
      formatVnd(1_101_100),
    );
    await page.click('#statement-verify');
    await page.waitForSelector('#statement-verify-result [data-verified]');
    expect(await page.getAttribute('#statement-verify-result [data-verified]', 'data-verified')).toBe('true');
    expect(await page.textContent('#statement-verify-result')).toContain('Chữ ký hợp lệ');
    await s.screenshot('statements-closed-verified-vi');
  });

  it('signs out with a readable message when the gateway refuses the token', async () => {
    const summaries = `${s.base}/billing/summary/**`;
    await page.route(summaries, (route) =>
      route.fulfill({
        status: 401,
        contentType: 'application/problem+json',
        body: JSON.stringify({ title: 'Unauthorized', status: 401, detail: 'The token has expired.' }),
      }),
    );
    await page.click('#statements-form button[type=submit]');
    await page.waitForSelector('#page-signin:not([hidden])');
    expect(await page.textContent('#alert')).toBe(vi['session.expired']);
    expect(await page.isHidden('#nav')).toBe(true);
    await page.unroute(summaries);
  });

  it('kept the token out of storage and met no CSP violation or script error', async () => {
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
    expect(s.errors).toEqual([]);
  });
});
