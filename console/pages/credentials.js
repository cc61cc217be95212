/** Credentials (admin): an agency's client credentials, issued with a secret or a public key, rotated, revoked. */
import { loadAgencies } from '../agency-cache.js';
import { api, OPERATIONS, state, t } from '../context.js';
import { formatDate } from '../format.js';
import { parseJwk } from '../forms.js';
import { showSecret } from '../secret.js';
import { $, badge, busy, cell, clearMessages, fillRows, h, newest, notify, showError } from '../ui.js';

const SCOPES = [...OPERATIONS, 'self:read', 'admin', 'billing:read', 'billing:close', 'audit:read'];

/** What this page shows: the chosen agency's credentials, once read. */
const view = { credentials: undefined };

function renderScopeChecks() {
  const box = $('cred-scopes');
  const checked = new Set([...box.querySelectorAll('input:checked')].map((input) => input.value));
  box.replaceChildren(
    ...SCOPES.map((scope) =>
      h(
        'label',
        {},
        h('input', { type: 'checkbox', name: 'scope', value: scope, checked: checked.has(scope) }),
        h(
          'span',
          {},
          h('code', { text: scope }),
          ` ${t(OPERATIONS.includes(scope) ? `op.${scope}` : `scope.${scope}`)}`,
        ),
      ),
    ),
  );
}

async function loadCredentials() {
  const agencyId = $('cred-agency').value;
  if (!agencyId) {
    view.credentials = undefined;
    renderCredentials();
    return;
  }
  const current = newest('credentials');
  const { items } = await api.json('GET', `admin/agencies/${agencyId}/credentials`);
  if (!current()) return;
  view.credentials = items;
  renderCredentials();
}

function renderCredentials() {
  renderScopeChecks();
  const table = $('cred-table');
  if (!view.credentials) {
    table.tBodies[0].replaceChildren(
      h('tr', {}, h('td', { colspan: '6', text: t('credentials.pickAgency') })),
    );
    return;
  }
  const rows = view.credentials.map((credential) =>
    h(
      'tr',
      { 'data-client': credential.clientId, 'data-method': credential.authMethod },
      cell(credential.clientId, 'mono'),
      cell(credential.scopes.join(' '), 'mono'),
      cell(
        credential.publicJwk
          ? `${t(`method.${credential.authMethod}`)} · ${t('credentials.key', {
              kty: String(credential.publicJwk.kty ?? ''),
              crv: credential.publicJwk.crv ? ` ${credential.publicJwk.crv}` : '',
            })}`
          : t(`method.${credential.authMethod}`),
      ),
      h('td', {}, badge(credential.status)),
      cell(formatDate(credential.createdAt)),
      h(
        'td',
        {},
        credential.status === 'active' && credential.authMethod === 'client_secret'
          ? h('button', {
              type: 'button',
              class: 'secondary',
              text: t('credentials.rotate', { client: credential.clientId }),
              onclick: (event) => rotateCredential(credential, event.currentTarget),
            })
          : undefined,
        credential.status === 'active'
          ? h('button', {
              type: 'button',
              class: 'danger',
              text: t('credentials.revoke', { client: credential.clientId }),
              onclick: (event) => revokeCredential(credential, event.currentTarget),
            })
          : undefined,
      ),
    ),
  );
  fillRows(table, rows, 6);
}
async function rotateCredential(credential, button) {
  clearMessages();
  const rotated = await busy(
    t('common.loading'),
    () => api.json('POST', `admin/credentials/${credential.clientId}/rotate`),
    { button },
  );
  if (!rotated) return;
  showSecret(rotated.clientId, rotated.clientSecret, rotated.previousSecretExpiresAt);
  await busy(t('common.loading'), loadCredentials);
}

async function revokeCredential(credential, button) {
  clearMessages();
  const revoked = await busy(
    t('common.loading'),
    () => api.json('DELETE', `admin/credentials/${credential.clientId}`),
    { button },
  );
  if (!revoked) return;
  notify(t('credentials.revoked', { client: credential.clientId }));
  await busy(t('common.loading'), loadCredentials);
}

function init() {
  $('cred-agency').addEventListener('change', () => busy(t('common.loading'), loadCredentials));

  $('cred-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages();
    const agencyId = $('cred-agency').value;
    const scopes = [...$('cred-scopes').querySelectorAll('input:checked')].map((input) => input.value);
    if (!agencyId) return showError(t('credentials.pickAgency'));
    if (!scopes.length) return showError(t('credentials.pickScope'));
    const withKey = $('cred-method-jwk').checked;
    const body = { scopes };
    if (withKey) {
      const parsed = parseJwk($('cred-jwk').value);
      if (parsed.error) {
        $('cred-jwk').setAttribute('aria-invalid', 'true');
        $('cred-jwk').focus();
        return showError(t(`jwk.${parsed.error.code}`, { detail: parsed.error.detail }));
      }
      $('cred-jwk').removeAttribute('aria-invalid');
      body.publicJwk = parsed.jwk;
    }
    const issued = await busy(
      t('common.loading'),
      () => api.json('POST', `admin/agencies/${agencyId}/credentials`, body),
      { button: event.submitter },
    );
    if (!issued) return;
    for (const input of $('cred-scopes').querySelectorAll('input:checked')) input.checked = false;
    if (withKey) {
      $('cred-jwk').value = '';
      notify(t('credentials.jwkIssued', { client: issued.clientId }));
    } else {
      showSecret(issued.clientId, issued.clientSecret);
    }
    await busy(t('common.loading'), loadCredentials);
  });

  for (const radio of document.querySelectorAll('input[name="cred-method"]')) {
    radio.addEventListener('change', () => {
      $('cred-jwk-box').hidden = !$('cred-method-jwk').checked;
    });
  }
  renderScopeChecks();
}

export default {
  id: 'credentials',
  nav: 'nav.credentials',
  scopes: ['admin'],
  markup: `<section id="page-credentials" class="page" aria-labelledby="h-credentials" hidden>
  <h1 id="h-credentials" data-i18n="credentials.title">Thông tin xác thực</h1>
  <div class="field">
    <label for="cred-agency" data-i18n="common.agency">Cơ quan</label>
    <select id="cred-agency" class="agency-select"></select>
  </div>
  <form id="cred-form" aria-labelledby="h-cred-issue">
    <h2 id="h-cred-issue" data-i18n="credentials.issue">Cấp thông tin xác thực mới</h2>
    <fieldset>
      <legend data-i18n="credentials.scopes">Phạm vi (scope)</legend>
      <div id="cred-scopes" class="checks"></div>
    </fieldset>
    <fieldset>
      <legend data-i18n="credentials.method">Phương thức xác thực</legend>
      <div class="checks">
        <label><input type="radio" name="cred-method" id="cred-method-secret" value="client_secret" checked><span data-i18n="method.client_secret">Khóa bí mật (client_secret)</span></label>
        <label><input type="radio" name="cred-method" id="cred-method-jwk" value="private_key_jwt"><span data-i18n="method.private_key_jwt">Khóa công khai (private_key_jwt)</span></label>
      </div>
      <div id="cred-jwk-box" class="stack" hidden>
        <label for="cred-jwk" data-i18n="credentials.jwk">Khóa công khai của cơ quan (JWK, dạng JSON)</label>
        <textarea id="cred-jwk" rows="6" spellcheck="false" autocomplete="off" aria-describedby="cred-jwk-hint"></textarea>
        <p id="cred-jwk-hint" class="hint" data-i18n="credentials.jwkHint">Chỉ dán khóa công khai (EC P-256/P-384, Ed25519 hoặc RSA từ 2048 bit), không bao giờ dán khóa bí mật. Cơ quan ký client assertion bằng khóa bí mật tương ứng; không có khóa bí mật nào được cấp.</p>
      </div>
    </fieldset>
    <button type="submit" data-i18n="credentials.submit">Cấp</button>
  </form>
  <h2 id="h-cred-list" data-i18n="credentials.list">Thông tin xác thực của cơ quan</h2>
  <div class="scroll">
    <table id="cred-table" aria-labelledby="h-cred-list">
      <thead><tr>
        <th scope="col" data-i18n="credentials.clientId">Mã ứng dụng</th>
        <th scope="col" data-i18n="credentials.scopes">Phạm vi (scope)</th>
        <th scope="col" data-i18n="credentials.method">Phương thức xác thực</th>
        <th scope="col" data-i18n="common.status">Trạng thái</th>
        <th scope="col" data-i18n="common.created">Ngày tạo</th>
        <th scope="col" data-i18n="common.actions">Thao tác</th>
      </tr></thead>
      <tbody></tbody>
    </table>
  </div>
</section>`,
  messages: {
    vi: {
      'nav.credentials': 'Thông tin xác thực',
      'scope.self:read': 'Xem tài khoản của cơ quan',
      'scope.admin': 'Quản trị',
      'scope.billing:read': 'Xem tài chính',
      'scope.billing:close': 'Khóa sổ',
      'scope.audit:read': 'Kiểm toán',
      'credentials.title': 'Thông tin xác thực',
      'credentials.list': 'Thông tin xác thực của cơ quan',
      'credentials.issue': 'Cấp thông tin xác thực mới',
      'credentials.scopes': 'Phạm vi (scope)',
      'credentials.submit': 'Cấp',
      'credentials.clientId': 'Mã ứng dụng',
      'credentials.method': 'Phương thức xác thực',
      'credentials.rotate': 'Đổi khóa bí mật của {client}',
      'credentials.revoke': 'Thu hồi {client}',
      'credentials.revoked': 'Đã thu hồi {client}: thông tin này bị từ chối từ yêu cầu kế tiếp.',
      'credentials.pickScope': 'Chọn ít nhất một phạm vi.',
      'method.client_secret': 'Khóa bí mật (client_secret)',
      'method.private_key_jwt': 'Khóa công khai (private_key_jwt)',
      'credentials.jwk': 'Khóa công khai của cơ quan (JWK, dạng JSON)',
      'credentials.jwkHint':
        'Chỉ dán khóa công khai (EC P-256/P-384, Ed25519 hoặc RSA từ 2048 bit), không bao giờ dán khóa bí mật. Cơ quan ký client assertion bằng khóa bí mật tương ứng; không có khóa bí mật nào được cấp.',
      'credentials.jwkIssued':
        'Đã cấp {client} (private_key_jwt): cơ quan lấy mã truy cập bằng client assertion ký với khóa bí mật của mình.',
      'credentials.key': 'khóa {kty}{crv}',
      'jwk.empty': 'Dán khóa công khai (JWK) của cơ quan vào ô khóa công khai.',
      'jwk.json': 'Khóa công khai không phải là JSON hợp lệ: {detail}',
      'jwk.notObject':
        'Khóa công khai phải là một đối tượng JSON {…} (một JWK), không phải danh sách hay giá trị đơn.',
    },
    en: {
      'nav.credentials': 'Credentials',
      'scope.self:read': "The agency's own account (read)",
      'scope.admin': 'Administration',
      'scope.billing:read': 'Finance (read)',
      'scope.billing:close': 'Close months',
      'scope.audit:read': 'Audit',
      'credentials.title': 'Credentials',
      'credentials.list': "The agency's credentials",
      'credentials.issue': 'Issue a credential',
      'credentials.scopes': 'Scopes',
      'credentials.submit': 'Issue',
      'credentials.clientId': 'Client id',
      'credentials.method': 'Authentication',
      'credentials.rotate': 'Rotate the secret of {client}',
      'credentials.revoke': 'Revoke {client}',
      'credentials.revoked': '{client} revoked: it is refused from the next request.',
      'credentials.pickScope': 'Choose at least one scope.',
      'method.client_secret': 'Client secret (client_secret)',
      'method.private_key_jwt': 'Public key (private_key_jwt)',
      'credentials.jwk': "The agency's public key (JWK, as JSON)",
      'credentials.jwkHint':
        'Paste the public key only (EC P-256/P-384, Ed25519 or RSA of 2048 bits or more), never a private key. The agency signs client assertions with its private key; no secret is issued.',
      'credentials.jwkIssued':
        '{client} issued (private_key_jwt): the agency gets tokens with client assertions signed by its private key.',
      'credentials.key': '{kty}{crv} key',
      'jwk.empty': "Paste the agency's public key (JWK) in the public key box.",
      'jwk.json': 'The public key is not valid JSON: {detail}',
      'jwk.notObject': 'The public key must be a JSON object {…} (a JWK), not a list or a single value.',
    },
  },
  init,
  load() {
    return busy(t('common.loading'), async () => {
      if (!state.agencies.size) await loadAgencies();
      await loadCredentials();
    });
  },
  render: renderCredentials,
};
