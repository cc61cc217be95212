import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { messages, translate } from '../../../console/catalogue.js';
import { formatDateTime } from '../../../console/format.js';
import { getAgencyRoute, getEntitlementsRoute, listCredentialsRoute } from '../../../functions/admin/routes';
import { jwksRoute } from '../../../functions/token/discovery';
import { PLATFORM_AGENCY_ID } from '../../../shared/identity/admin-service';
import { answerTo, issuedCredentialOf, problemOf } from '../../support/answers';
import { type ConsoleSession, expectTidyLayout, openConsole, skipBrowser } from '../../support/console-page';
import { ADMIN_ID, ADMIN_SECRET } from '../../support/gateway';

/**
 * The admin pages: every irreversible action (suspend an agency, revoke or rotate a credential, rotate the
 * token signing key) asks first in a dialog that names its target and consequence, with Cancel focused and
 * Escape cancelling; what the API would refuse is not offered; codes and pills keep their shape at every size.
 */

const vi = messages.vi;
const en = messages.en;
const agency = { code: 'ADM-A', name: 'Sở Tư pháp tỉnh Thử nghiệm', id: '', clientId: '', secret: '' };

let s: ConsoleSession;
let page: Page;
let admin: string;

const dialog = () => page.locator('#confirm-dialog');
const dialogOpen = () => page.waitForSelector('#confirm-dialog[open]');
const dialogClosed = () => page.waitForSelector('#confirm-dialog:not([open])', { state: 'attached' });
const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent);

/**
 * The API's own view, read as the admin (parsed with the schema `route` documents for its 200 answer): what a
 * dialog's Cancel must have left unchanged.
 */
const read = async <R extends { responses: object }>(path: string, route: R) =>
  answerTo(await s.gw.call(admin, 'GET', path), route);
const agencyStatus = async (id: string) => (await read(`/admin/agencies/${id}`, getAgencyRoute)).status;
const credentialOf = async (agencyId: string, clientId: string) =>
  (await read(`/admin/agencies/${agencyId}/credentials`, listCredentialsRoute)).items.find(
    (c) => c.clientId === clientId,
  );
/** The kids of the published keys (the documented JWKS holds its keys as plain records: each kid is checked). */
const publishedKids = async () =>
  (await answerTo(await s.gw.app.request('/.well-known/jwks.json'), jwksRoute)).keys.map((key) =>
    z.string().parse(key.kid),
  );

/**
 * Opens the dialog with `trigger`, checks it starts on Cancel, then closes it with Cancel and again with Escape,
 * each time finding `unchanged()` still true through the API and focus back on the trigger. Returns the body.
 */
async function cancelBothWays(trigger: Locator, unchanged: () => Promise<void>): Promise<string> {
  await trigger.click();
  await dialogOpen();
  expect(await focused()).toBe('confirm-cancel');
  const body = (await page.textContent('#confirm-body')) ?? '';
  await page.click('#confirm-cancel');
  await dialogClosed();
  await unchanged();
  expect(await trigger.evaluate((el) => el === document.activeElement)).toBe(true);

  await trigger.click();
  await dialogOpen();
  await page.keyboard.press('Escape');
  await dialogClosed();
  await unchanged();
  expect(await trigger.evaluate((el) => el === document.activeElement)).toBe(true);
  return body;
}

/**
 * The open dialog through checkBothLanguages (axe-core, screenshots, no API English), saying its title in each
 * language: a change of language while it is open says it again.
 */
async function checkDialog(name: string, titleKey: string, params: Record<string, unknown> = {}) {
  await s.checkBothLanguages(name);
  await s.switchLanguage('en');
  expect(await page.textContent('#confirm-title')).toBe(translate('en', titleKey, params));
  await s.switchLanguage('vi');
  expect(await page.textContent('#confirm-title')).toBe(translate('vi', titleKey, params));
  expect(await dialog().evaluate((el) => (el as HTMLDialogElement).open)).toBe(true);
}

/** A new credential of the test agency, and the credentials page showing it (its list read again). */
async function spareCredential() {
  const spare = await s.gw.call(admin, 'POST', `/admin/agencies/${agency.id}/credentials`, {
    scopes: ['citizen:read'],
  });
  const issued = await issuedCredentialOf(spare);
  await page.selectOption('#cred-agency', '');
  await s.busyDone();
  await page.selectOption('#cred-agency', agency.id);
  await s.busyDone();
  return issued;
}

describe.skipIf(skipBrowser)('the admin pages', () => {
  beforeAll(async () => {
    s = await openConsole(inject('dynamoEndpoint'), { artifacts: 'console-admin' });
    page = s.page;
    const made = await s.gw.agencyWithCredential({
      code: agency.code,
      name: agency.name,
      entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
      scopes: ['citizen:read'],
    });
    Object.assign(agency, { id: made.agencyId, clientId: made.clientId, secret: made.clientSecret });
    await s.gw.plan('STANDARD', { agencies: [agency.id] });
    admin = await s.gw.adminToken();
    await page.goto(`${s.base}/console`);
    await s.signIn(ADMIN_ID, ADMIN_SECRET);
    await s.busyDone();
  });

  afterAll(() => s?.close());

  it('asks before suspending an agency, naming it; Cancel and Escape keep it active; reactivating asks nothing', async () => {
    await s.goTo('agencies');
    const row = page.locator(`#agencies-table tr[data-agency="${agency.code}"]`);
    const suspend = row.getByRole('button', { name: `Tạm dừng ${agency.code}` });
    await suspend.click();
    await dialogOpen();
    expect(await page.textContent('#confirm-title')).toBe(translate('vi', 'agencies.suspendTitle', agency));
    expect(await page.textContent('#confirm-body')).toBe(translate('vi', 'agencies.suspendBody', agency));
    expect(await page.textContent('#confirm-body')).toContain('bị từ chối từ yêu cầu kế tiếp');
    await checkDialog('agencies-suspend-dialog', 'agencies.suspendTitle', agency);
    await page.click('#confirm-cancel');
    await dialogClosed();

    const body = await cancelBothWays(suspend, async () => {
      expect(await agencyStatus(agency.id)).toBe('active');
      expect(await s.gw.token(agency.clientId, agency.secret)).toBeTruthy();
    });
    expect(body).toContain(agency.name);

    // In English, the dialog says it in English.
    await s.switchLanguage('en');
    await row.getByRole('button', { name: `Suspend ${agency.code}` }).click();
    await dialogOpen();
    expect(await page.textContent('#confirm-body')).toBe(translate('en', 'agencies.suspendBody', agency));
    expect(await page.textContent('#confirm-ok')).toBe(translate('en', 'agencies.suspendConfirm', agency));
    await page.keyboard.press('Escape');
    await dialogClosed();
    await s.switchLanguage('vi');

    await row.getByRole('button', { name: `Tạm dừng ${agency.code}` }).click();
    await dialogOpen();
    await page.click('#confirm-ok');
    await row.locator('.badge.suspended').waitFor();
    expect(await agencyStatus(agency.id)).toBe('suspended');
    await expect(s.gw.token(agency.clientId, agency.secret)).rejects.toThrow(/token: 4\d\d/);
    expect(await page.textContent('#notice')).toBe(translate('vi', 'agencies.suspended', agency));

    await row.getByRole('button', { name: `Kích hoạt lại ${agency.code}` }).click();
    await row.locator('.badge.active').waitFor();
    expect(await dialog().evaluate((el) => (el as HTMLDialogElement).open)).toBe(false);
    expect(await agencyStatus(agency.id)).toBe('active');
  });

  it('offers no suspend on the operator agency NDG-OPS, and says why', async () => {
    const row = page.locator('#agencies-table tr[data-agency="NDG-OPS"]');
    await row.waitFor();
    expect(await row.getByRole('button').count()).toBe(0);
    expect(await row.locator('[data-why="operator"]').textContent()).toBe(vi['agencies.operatorStays']);
    // The rule the page mirrors: the API refuses it.
    const refused = await s.gw.call(admin, 'PATCH', `/admin/agencies/${PLATFORM_AGENCY_ID}`, {
      status: 'suspended',
    });
    expect(refused.status).toBe(409);
    await s.switchLanguage('en');
    expect(await row.locator('[data-why="operator"]').textContent()).toBe(en['agencies.operatorStays']);
    await s.switchLanguage('vi');
  });

  it('asks before rotating a secret, saying when the old one stops working, and keeps it until then', async () => {
    await s.goTo('credentials');
    await page.selectOption('#cred-agency', agency.id);
    await s.busyDone();
    const row = page.locator(`#cred-table tr[data-client="${agency.clientId}"]`);
    const rotate = row.getByRole('button', { name: `Đổi khóa bí mật của ${agency.clientId}` });
    const before = Date.now();
    await rotate.click();
    await dialogOpen();
    const after = Date.now();
    const body = (await page.textContent('#confirm-body')) ?? '';
    expect(body).toContain(agency.clientId);
    expect(body).toContain(`${agency.code} · ${agency.name}`);
    // "until about <now + 24 h>", in Hà Nội time, to the second the dialog opened.
    const candidates = [];
    for (let at = before - 1000; at <= after + 1000; at += 1000)
      candidates.push(formatDateTime(at + 24 * 3600_000));
    expect(candidates.some((time) => body.includes(`đến khoảng ${time}`))).toBe(true);
    expect(body).not.toMatch(/\d{4}-\d\d-\d\dT/);
    await checkDialog('credentials-rotate-dialog', 'credentials.rotateTitle', {
      client: agency.clientId,
      agency: `${agency.code} · ${agency.name}`,
    });
    await page.click('#confirm-cancel');
    await dialogClosed();

    const unchanged = async () => {
      const credential = await credentialOf(agency.id, agency.clientId);
      expect(credential).toMatchObject({ status: 'active', secretCount: 1, secretsExpiring: [] });
      expect(await s.gw.token(agency.clientId, agency.secret)).toBeTruthy();
    };
    await cancelBothWays(rotate, unchanged);

    await rotate.click();
    await dialogOpen();
    await page.click('#confirm-ok');
    await page.waitForSelector('#secret-dialog[open]');
    const rotated = await credentialOf(agency.id, agency.clientId);
    expect(rotated?.secretCount).toBe(2);
    const expiresAt = rotated?.secretsExpiring[0] ?? '';
    expect(Math.abs(Date.parse(expiresAt) - (before + 24 * 3600_000))).toBeLessThan(60_000);
    // The old secret still works, through the overlap.
    expect(await s.gw.token(agency.clientId, agency.secret)).toBeTruthy();
    await page.click('#secret-close');
    await row.locator(`[data-expiring="${expiresAt}"]`).waitFor();
    expect(await row.locator(`[data-expiring="${expiresAt}"]`).textContent()).toBe(
      translate('vi', 'credentials.oldSecretUntil', { time: formatDateTime(expiresAt) }),
    );

    // Rotating again would drop that older secret at once: the dialog says so.
    await rotate.click();
    await dialogOpen();
    expect(await page.textContent('#confirm-body')).toContain(
      translate('vi', 'credentials.rotateDropsOld', { time: formatDateTime(expiresAt) }),
    );
    await page.keyboard.press('Escape');
    await dialogClosed();
    expect((await credentialOf(agency.id, agency.clientId))?.secretCount).toBe(2);
  });

  it('asks before revoking a credential, naming it and its agency; Cancel and Escape keep it', async () => {
    const { clientId, clientSecret } = await spareCredential();
    const row = page.locator(`#cred-table tr[data-client="${clientId}"]`);
    const revoke = row.getByRole('button', { name: `Thu hồi ${clientId}` });
    await revoke.click();
    await dialogOpen();
    expect(await focused()).toBe('confirm-cancel');
    const params = { client: clientId, agency: `${agency.code} · ${agency.name}` };
    expect(await page.textContent('#confirm-title')).toBe(translate('vi', 'credentials.revokeTitle', params));
    expect(await page.textContent('#confirm-body')).toBe(translate('vi', 'credentials.revokeBody', params));
    expect(await page.textContent('#confirm-body')).toContain('Không thể hoàn tác');
    await checkDialog('credentials-revoke-dialog', 'credentials.revokeTitle', params);
    await page.click('#confirm-cancel');
    await dialogClosed();

    await cancelBothWays(revoke, async () => {
      expect((await credentialOf(agency.id, clientId))?.status).toBe('active');
      expect(await s.gw.token(clientId, clientSecret)).toBeTruthy();
    });

    await revoke.click();
    await dialogOpen();
    await page.click('#confirm-ok');
    await row.locator('.badge.revoked').waitFor();
    expect((await credentialOf(agency.id, clientId))?.status).toBe('revoked');
    await expect(s.gw.token(clientId, clientSecret)).rejects.toThrow(/token: 4\d\d/);
  });

  it('no longer shows a retired secret whose overlap has ended as still working', async () => {
    const spare = await s.gw.call(admin, 'POST', `/admin/agencies/${agency.id}/credentials`, {
      scopes: ['citizen:read'],
    });
    const { clientId } = await issuedCredentialOf(spare);
    // Rotated with a 1 s overlap: the retired secret is still listed by the API once it has stopped working.
    const rotated = await s.gw.call(admin, 'POST', `/admin/credentials/${clientId}/rotate`, {
      overlapSeconds: 1,
    });
    expect(rotated.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect((await credentialOf(agency.id, clientId))?.secretsExpiring).toHaveLength(1);
    await page.selectOption('#cred-agency', '');
    await s.busyDone();
    await page.selectOption('#cred-agency', agency.id);
    await s.busyDone();
    const row = page.locator(`#cred-table tr[data-client="${clientId}"]`);
    await row.waitFor();
    expect(await row.locator('[data-expiring]').count()).toBe(0);
    // Nor does rotating it again say that the expired one will stop working.
    await row.getByRole('button', { name: `Đổi khóa bí mật của ${clientId}` }).click();
    await dialogOpen();
    // Nothing about the expired one: the body is the rotation's own sentence alone.
    expect(await page.textContent('#confirm-body')).toBe(
      translate('vi', 'credentials.rotateBody', {
        client: clientId,
        agency: `${agency.code} · ${agency.name}`,
        time: (await page.textContent('#confirm-body'))?.match(/\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d/)?.[0],
      }),
    );
    await page.click('#confirm-cancel');
    await dialogClosed();
  });

  it('closes an open question as "no" when the session ends, leaving nothing to answer for the next user', async () => {
    const { clientId, clientSecret } = await spareCredential();
    await page
      .locator(`#cred-table tr[data-client="${clientId}"]`)
      .getByRole('button', { name: `Thu hồi ${clientId}` })
      .click();
    await dialogOpen();
    // The session ends under the dialog (as when the token expires: the shell signs out the same way).
    await page.evaluate(() => (document.getElementById('sign-out') as HTMLButtonElement).click());
    await page.waitForSelector('#page-signin:not([hidden])');
    await dialogClosed();
    expect((await credentialOf(agency.id, clientId))?.status).toBe('active');
    expect(await s.gw.token(clientId, clientSecret)).toBeTruthy();
    // The next user finds the credentials page as new: no agency chosen, none of the last one's credentials.
    await s.signIn(ADMIN_ID, ADMIN_SECRET);
    await s.busyDone();
    expect(await dialog().evaluate((el) => (el as HTMLDialogElement).open)).toBe(false);
    await s.goTo('credentials');
    expect(await page.inputValue('#cred-agency')).toBe('');
    expect(await page.locator(`#cred-table tr[data-client="${clientId}"]`).count()).toBe(0);
    await page.selectOption('#cred-agency', agency.id);
    await s.busyDone();
  });

  it('offers neither revoking the last admin credential nor scopes the API would refuse the agency', async () => {
    // Another agency: no platform scope, and no operation it is not entitled to.
    for (const scope of ['admin', 'billing:read', 'billing:close', 'audit:read', 'citizen:verify']) {
      expect(await page.isDisabled(`#cred-scopes input[value="${scope}"]`), scope).toBe(true);
    }
    expect(await page.isDisabled('#cred-scopes input[value="citizen:read"]')).toBe(false);
    expect(await page.isDisabled('#cred-scopes input[value="self:read"]')).toBe(false);
    expect(await page.textContent('#cred-scopes')).toContain(vi['credentials.operatorOnly']);

    await page.selectOption('#cred-agency', PLATFORM_AGENCY_ID);
    await s.busyDone();
    expect(await page.isDisabled('#cred-scopes input[value="admin"]')).toBe(false);
    const bootstrap = page.locator(`#cred-table tr[data-client="${ADMIN_ID}"]`);
    await bootstrap.waitFor();
    expect(await bootstrap.getByRole('button', { name: `Thu hồi ${ADMIN_ID}` }).count()).toBe(0);
    expect(await bootstrap.locator('[data-why="last-admin"]').textContent()).toBe(
      vi['credentials.lastAdmin'],
    );
    // The rule the page mirrors: the API refuses it.
    const refused = await s.gw.call(admin, 'DELETE', `/admin/credentials/${ADMIN_ID}`);
    expect((await problemOf(refused, 409)).type).toBe('/problems/last-admin-credential');

    // With a second admin credential, either may be revoked.
    const second = await s.gw.call(admin, 'POST', `/admin/agencies/${PLATFORM_AGENCY_ID}/credentials`, {
      scopes: ['admin'],
    });
    const { clientId } = await issuedCredentialOf(second);
    await page.selectOption('#cred-agency', '');
    await s.busyDone();
    await page.selectOption('#cred-agency', PLATFORM_AGENCY_ID);
    await s.busyDone();
    await bootstrap.getByRole('button', { name: `Thu hồi ${ADMIN_ID}` }).waitFor();
    expect(await bootstrap.locator('[data-why="last-admin"]').count()).toBe(0);
    // Revoking the credential one is signed in with says so.
    await bootstrap.getByRole('button', { name: `Thu hồi ${ADMIN_ID}` }).click();
    await dialogOpen();
    expect(await page.textContent('#confirm-body')).toContain(vi['credentials.revokeSelf']);
    await page.keyboard.press('Escape');
    await dialogClosed();
    const other = page.locator(`#cred-table tr[data-client="${clientId}"]`);
    await other.getByRole('button', { name: `Thu hồi ${clientId}` }).click();
    await dialogOpen();
    expect(await page.textContent('#confirm-body')).not.toContain(vi['credentials.revokeSelf']);
    await page.click('#confirm-ok');
    await other.locator('.badge.revoked').waitFor();
    // Back to one: the bootstrap admin is the last again.
    await bootstrap.locator('[data-why="last-admin"]').waitFor();
  });

  it('rotates the token signing key after asking; tokens already issued keep working', async () => {
    const [current] = await publishedKids();
    const keyRow = (kid: string) => page.locator(`#signing-keys-table tr[data-kid="${kid}"]`);
    expect(await keyRow(current ?? '').textContent()).toContain(vi['signingKeys.signing']);
    const rotate = page.getByRole('button', { name: vi['signingKeys.rotate'], exact: true });
    const issued = await s.gw.token(agency.clientId, agency.secret);

    await rotate.click();
    await dialogOpen();
    const body = (await page.textContent('#confirm-body')) ?? '';
    expect(body).toContain(translate('vi', 'signingKeys.confirmBody', { current }));
    expect(body).toContain(vi['signingKeys.cannotUndo']);
    await checkDialog('signing-key-dialog', 'signingKeys.confirmTitle');
    await page.click('#confirm-cancel');
    await dialogClosed();
    await cancelBothWays(rotate, async () => expect(await publishedKids()).toEqual([current]));

    await rotate.click();
    await dialogOpen();
    await page.click('#confirm-ok');
    await page.waitForFunction(
      () => document.querySelectorAll('#signing-keys-table tr[data-kid]').length === 2,
    );
    const [next, previous] = await publishedKids();
    expect(previous).toBe(current);
    expect(next).not.toBe(current);
    expect(await keyRow(next ?? '').textContent()).toContain(vi['signingKeys.signing']);
    expect(await keyRow(current ?? '').textContent()).toContain(vi['signingKeys.verifying']);
    expect(await page.textContent('#notice')).toBe(
      translate('vi', 'signingKeys.rotated', { kid: next, previous: current }),
    );
    // Tokens issued before, signed with the old key, still work; new ones are signed with the new key.
    expect((await s.gw.call(issued, 'GET', '/me')).status).not.toBe(401);
    expect((await s.gw.call(admin, 'GET', '/admin/plans')).status).toBe(200);
    const fresh = await s.gw.adminToken();
    expect(JSON.parse(Buffer.from(fresh.split('.')[0] ?? '', 'base64url').toString()).kid).toBe(next);

    // Rotating again would drop the key issued tokens are still signed with: the dialog names it.
    await rotate.click();
    await dialogOpen();
    expect(await page.textContent('#confirm-body')).toContain(
      translate('vi', 'signingKeys.confirmDropped', { previous: current }),
    );
    await page.keyboard.press('Escape');
    await dialogClosed();
    expect(await publishedKids()).toEqual([next, current]);
  });

  it('says in words which purposes the catalogue lacks, sending nothing, and saves catalogued ones', async () => {
    await s.goTo('entitlements');
    await page.selectOption('#ent-agency', agency.id);
    await s.busyDone();
    expect(await page.inputValue('#ent-purposes-citizen-read')).toBe('1.001');
    const saved = () => read(`/admin/agencies/${agency.id}/entitlements`, getEntitlementsRoute);
    await page.fill('#ent-purposes-citizen-read', '1.001, 8.888');
    await page.click('#ent-form button[type=submit]');
    await page.waitForSelector('#alert:not([hidden])');
    expect(await page.textContent('#alert')).toBe(
      translate('vi', 'entitlements.unknownPurposes', { op: vi['op.citizen:read'], codes: '8.888' }),
    );
    expect(await page.getAttribute('#ent-purposes-citizen-read', 'aria-invalid')).toBe('true');
    expect((await saved()).entitlements).toMatchObject([{ operation: 'citizen:read', purposes: ['1.001'] }]);

    await page.fill('#ent-purposes-citizen-read', '1.001, 1.002');
    await page.click('#ent-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('notice')?.textContent?.includes('ADM-A'));
    expect((await saved()).entitlements).toMatchObject([
      { operation: 'citizen:read', purposes: ['1.001', '1.002'] },
    ]);
  });

  it('keeps pills on one line and codes and ids whole, at 1280 and 1920 px and at 200% zoom', async () => {
    await s.goTo('agencies');
    await page.locator('#agencies-table tr[data-agency="ADM-A"] .mono', { hasText: 'STANDARD' }).waitFor();
    await expectTidyLayout(s, 'agencies');
    await s.goTo('credentials');
    await page.selectOption('#cred-agency', agency.id);
    await s.busyDone();
    await page.locator(`#cred-table tr[data-client="${agency.clientId}"]`).waitFor();
    await expectTidyLayout(s, 'credentials');
    await s.goTo('entitlements');
    await page.selectOption('#ent-agency', agency.id);
    await s.busyDone();
    await expectTidyLayout(s, 'entitlements');
    await s.goTo('plans');
    await page.locator('#plans-table tr[data-plan="STANDARD"]').waitFor();
    await expectTidyLayout(s, 'plans');
    expect(s.errors).toEqual([]);
  });
});
