/**
 * Credentials (admin): an agency's client credentials, issued with a secret or a public key, rotated, revoked;
 * and the gateway's token signing keys, rotated. Each irreversible action is confirmed in a dialog first.
 */
import { loadAgencies } from '../agency-cache.js';
import { confirmAction } from '../confirm.js';
import {
  AGENCY_SCOPES,
  agencyLabel,
  api,
  OPERATIONS,
  PLATFORM_AGENCY_ID,
  PLATFORM_SCOPES,
  scopeName,
  state,
  t,
} from '../context.js';
import { formatDate, formatDateTime } from '../format.js';
import { parseJwk } from '../forms.js';
import { showSecret } from '../secret.js';
import { $, badge, busy, cell, clearMessages, fillRows, h, newest, notify, said, showError } from '../ui.js';

/** The scopes an admin may tick, in the order the form lists them. */
const SCOPES = [...OPERATIONS, ...AGENCY_SCOPES, ...PLATFORM_SCOPES];

/**
 * How long a rotated secret keeps working beside the new one. Sent with every rotation, so the dialog can say
 * when the old secret stops before the admin confirms (the API's own default is configurable).
 */
const ROTATION_OVERLAP_SECONDS = 24 * 3600;

/**
 * What this page shows: the chosen agency's credentials and the operations it is entitled to, once read, and
 * the gateway's published signing keys (the JWKS: the current key first, then the previous one).
 */
const view = { credentials: undefined, entitled: undefined, keys: undefined };

/** The retired secrets that still work (until their time): one whose overlap has ended opens nothing. */
const workingOldSecrets = (credential) =>
  credential.secretsExpiring.filter((at) => Date.parse(at) > Date.now());

/**
 * Why the API would refuse `scope` for the chosen agency, if it would: platform scopes belong to the operator
 * agency only, and a credential is never wider than its agency's entitlements.
 */
function scopeRefusal(scope) {
  const agencyId = $('cred-agency').value;
  if (!agencyId) return undefined;
  if (PLATFORM_SCOPES.includes(scope) && agencyId !== PLATFORM_AGENCY_ID) return 'credentials.operatorOnly';
  if (OPERATIONS.includes(scope) && view.entitled && !view.entitled.has(scope))
    return 'credentials.notEntitled';
  return undefined;
}

function renderScopeChecks() {
  const box = $('cred-scopes');
  const checked = new Set([...box.querySelectorAll('input:checked')].map((input) => input.value));
  box.replaceChildren(
    ...SCOPES.map((scope) => {
      const refusal = scopeRefusal(scope);
      const hintId = `cred-scope-why-${scope.replace(':', '-')}`;
      return h(
        'label',
        {},
        h('input', {
          type: 'checkbox',
          name: 'scope',
          value: scope,
          checked: checked.has(scope) && !refusal,
          disabled: Boolean(refusal),
          'aria-describedby': refusal ? hintId : undefined,
        }),
        h(
          'span',
          {},
          h('code', { text: scope }),
          ` ${scopeName(scope)}`,
          refusal ? h('span', { class: 'hint', id: hintId, text: ` (${t(refusal)})` }) : '',
        ),
      );
    }),
  );
}

async function loadCredentials() {
  const agencyId = $('cred-agency').value;
  if (!agencyId) {
    view.credentials = undefined;
    view.entitled = undefined;
    renderCredentials();
    return;
  }
  const current = newest('credentials');
  const [{ items }, { entitlements }] = await Promise.all([
    api.json('GET', `admin/agencies/${agencyId}/credentials`),
    api.json('GET', `admin/agencies/${agencyId}/entitlements`),
  ]);
  if (!current()) return;
  view.credentials = items;
  view.entitled = new Set(entitlements.map((entitlement) => entitlement.operation));
  renderCredentials();
}

/**
 * Whether revoking `credential` would leave no active admin credential: the API refuses that (409,
 * last-admin-credential), so the page says why instead of offering it. Only operator credentials administer.
 */
function lastAdmin(credential) {
  const administers = (c) =>
    c.status === 'active' && c.scopes.includes('admin') && c.agencyId === PLATFORM_AGENCY_ID;
  return (
    administers(credential) &&
    !view.credentials.some((other) => other.clientId !== credential.clientId && administers(other))
  );
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
      cell(credential.clientId, 'mono nowrap'),
      h(
        'td',
        {},
        h(
          'ul',
          { class: 'plain' },
          credential.scopes.map((scope) =>
            h('li', { 'data-scope': scope }, `${scopeName(scope)} `, h('code', { text: scope })),
          ),
        ),
      ),
      cell(
        credential.publicJwk
          ? `${t(`method.${credential.authMethod}`)} · ${t('credentials.key', {
              kty: String(credential.publicJwk.kty ?? ''),
              crv: credential.publicJwk.crv ? ` ${credential.publicJwk.crv}` : '',
            })}`
          : t(`method.${credential.authMethod}`),
      ),
      h(
        'td',
        {},
        badge(credential.status),
        credential.status === 'active'
          ? workingOldSecrets(credential).map((at) =>
              h('p', {
                class: 'hint',
                'data-expiring': at,
                text: t('credentials.oldSecretUntil', { time: formatDateTime(at) }),
              }),
            )
          : [],
      ),
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
        credential.status === 'active' && lastAdmin(credential)
          ? h('p', { class: 'hint', 'data-why': 'last-admin', text: t('credentials.lastAdmin') })
          : undefined,
        credential.status === 'active' && !lastAdmin(credential)
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

/** A new secret, shown once; the current one keeps working for the overlap, an older retired one stops now. */
async function rotateCredential(credential, button) {
  clearMessages();
  const params = { client: credential.clientId, agency: agencyLabel(credential.agencyId) };
  const until = formatDateTime(Date.now() + ROTATION_OVERLAP_SECONDS * 1000);
  const confirmed = await confirmAction({
    title: () => t('credentials.rotateTitle', params),
    body: () =>
      [
        t('credentials.rotateBody', { ...params, time: until }),
        ...workingOldSecrets(credential).map((at) =>
          t('credentials.rotateDropsOld', { time: formatDateTime(at) }),
        ),
      ].join(' '),
    confirm: () => t('credentials.rotateConfirm'),
    cancel: () => t('credentials.cancel'),
  });
  if (!confirmed) return;
  const rotated = await busy(
    t('common.loading'),
    () =>
      api.json('POST', `admin/credentials/${credential.clientId}/rotate`, {
        overlapSeconds: ROTATION_OVERLAP_SECONDS,
      }),
    { button, failed: ['credentials.rotateFailed', params] },
  );
  if (!rotated) return;
  showSecret(rotated.clientId, rotated.clientSecret, rotated.previousSecretExpiresAt);
  await busy(t('common.loading'), loadCredentials);
}

async function revokeCredential(credential, button) {
  clearMessages();
  const params = { client: credential.clientId, agency: agencyLabel(credential.agencyId) };
  const self = credential.clientId === state.session?.clientId;
  const confirmed = await confirmAction({
    title: () => t('credentials.revokeTitle', params),
    body: () =>
      [t('credentials.revokeBody', params), ...(self ? [t('credentials.revokeSelf')] : [])].join(' '),
    confirm: () => t('credentials.revokeConfirm'),
    cancel: () => t('credentials.cancel'),
  });
  if (!confirmed) return;
  const revoked = await busy(
    t('common.loading'),
    () => api.json('DELETE', `admin/credentials/${credential.clientId}`),
    { button, failed: ['credentials.revokeFailed', params] },
  );
  if (!revoked) return;
  notify(t('credentials.revoked', { client: credential.clientId }));
  await busy(t('common.loading'), loadCredentials);
}

/** The published signing keys (GET /.well-known/jwks.json): the first signs, the second only verifies. */
async function loadSigningKeys() {
  const { keys } = JSON.parse(await api.publicText('.well-known/jwks.json'));
  view.keys = Array.isArray(keys) ? keys : [];
  renderSigningKeys();
}

function renderSigningKeys() {
  if (!view.keys) return;
  const rows = view.keys.map((key, index) =>
    h(
      'tr',
      { 'data-kid': key.kid },
      cell(key.kid, 'mono nowrap'),
      h(
        'td',
        {},
        h('span', {
          class: `badge ${index === 0 ? 'key-signing' : 'key-verifying'}`,
          text: t(index === 0 ? 'signingKeys.signing' : 'signingKeys.verifying'),
        }),
      ),
    ),
  );
  fillRows($('signing-keys-table'), rows, 2);
}

/**
 * A new signing key: tokens already issued keep working until they expire (the current key stays published),
 * while the previous key leaves the JWKS, with whatever it still verifies. Said in the dialog, then done.
 */
async function rotateSigningKey(button) {
  clearMessages();
  const [current, previous] = view.keys ?? [];
  const confirmed = await confirmAction({
    title: () => t('signingKeys.confirmTitle'),
    body: () =>
      [
        t('signingKeys.confirmBody', { current: current?.kid ?? '–' }),
        ...(previous ? [t('signingKeys.confirmDropped', { previous: previous.kid })] : []),
        t('signingKeys.cannotUndo'),
      ].join(' '),
    confirm: () => t('signingKeys.rotateConfirm'),
    cancel: () => t('credentials.cancel'),
  });
  if (!confirmed) return;
  const rotated = await busy(t('common.loading'), () => api.json('POST', 'admin/signing-keys/rotate'), {
    button,
    failed: 'signingKeys.rotateFailed',
  });
  if (!rotated) return;
  await busy(t('common.loading'), loadSigningKeys);
  notify(t('signingKeys.rotated', { kid: rotated.kid, previous: rotated.previousKid ?? '–' }));
}

function init() {
  $('cred-agency').addEventListener('change', () => busy(t('common.loading'), loadCredentials));
  $('signing-keys-rotate').addEventListener('click', (event) => rotateSigningKey(event.currentTarget));

  $('cred-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages();
    const agencyId = $('cred-agency').value;
    const scopes = [...$('cred-scopes').querySelectorAll('input:checked')].map((input) => input.value);
    if (!agencyId) return showError(said('credentials.pickAgency'));
    if (!scopes.length) return showError(said('credentials.pickScope'));
    const withKey = $('cred-method-jwk').checked;
    const body = { scopes };
    if (withKey) {
      const parsed = parseJwk($('cred-jwk').value);
      if (parsed.error) {
        $('cred-jwk').setAttribute('aria-invalid', 'true');
        $('cred-jwk').focus();
        return showError(said(`jwk.${parsed.error.code}`, { detail: parsed.error.detail }));
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
  <section id="signing-keys" aria-labelledby="h-signing-keys">
    <h2 id="h-signing-keys" data-i18n="signingKeys.title">Khóa ký mã truy cập</h2>
    <p class="hint" data-i18n="signingKeys.intro">Khóa hiện hành ký mọi mã truy cập, bảng kê và điểm kiểm tra nhật ký kiểm toán; khóa trước đó chỉ còn dùng để xác minh. Cả hai được công bố tại /.well-known/jwks.json.</p>
    <div class="scroll">
      <table id="signing-keys-table" aria-labelledby="h-signing-keys">
        <thead><tr>
          <th scope="col" data-i18n="signingKeys.kid">Mã khóa (kid)</th>
          <th scope="col" data-i18n="signingKeys.role">Vai trò</th>
        </tr></thead>
        <tbody></tbody>
      </table>
    </div>
    <button type="button" id="signing-keys-rotate" class="danger" data-i18n="signingKeys.rotate">Đổi khóa ký</button>
  </section>
</section>`,
  messages: {
    vi: {
      'nav.credentials': 'Thông tin xác thực',
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
      'credentials.cancel': 'Hủy, giữ nguyên',
      'credentials.revokeTitle': 'Thu hồi {client}?',
      'credentials.revokeBody':
        'Thông tin xác thực {client} của cơ quan {agency} bị thu hồi: mọi mã truy cập của nó bị từ chối từ yêu cầu kế tiếp. Không thể hoàn tác: muốn gọi tiếp, cơ quan cần được cấp thông tin xác thực mới.',
      'credentials.revokeSelf': 'Bạn đang đăng nhập bằng chính thông tin này: phiên của bạn cũng kết thúc.',
      'credentials.revokeConfirm': 'Thu hồi vĩnh viễn',
      'credentials.revokeFailed': 'Chưa thu hồi được {client} của cơ quan {agency}',
      'credentials.rotateTitle': 'Đổi khóa bí mật của {client}?',
      'credentials.rotateBody':
        'Một khóa bí mật mới cho {client} (cơ quan {agency}) được hiển thị một lần duy nhất. Khóa bí mật hiện tại vẫn dùng được thêm 24 giờ, đến khoảng {time}, rồi bị từ chối: cơ quan cần chuyển sang khóa mới trước lúc đó.',
      'credentials.rotateDropsOld':
        'Khóa bí mật cũ hơn, từ lần đổi trước (còn hạn đến {time}), bị từ chối ngay.',
      'credentials.rotateConfirm': 'Đổi khóa bí mật',
      'credentials.rotateFailed': 'Chưa đổi được khóa bí mật của {client} (cơ quan {agency})',
      'credentials.oldSecretUntil': 'Khóa bí mật cũ còn dùng được đến {time}',
      'credentials.lastAdmin':
        'Đây là thông tin xác thực quản trị cuối cùng còn hoạt động: thu hồi nó thì không còn ai quản trị được cổng. Hãy cấp một thông tin xác thực quản trị khác cho cơ quan vận hành trước.',
      'credentials.operatorOnly': 'chỉ cơ quan vận hành',
      'credentials.notEntitled': 'cơ quan chưa được cấp quyền truy cập nghiệp vụ này',
      'signingKeys.title': 'Khóa ký mã truy cập',
      'signingKeys.intro':
        'Khóa hiện hành ký mọi mã truy cập, bảng kê và điểm kiểm tra nhật ký kiểm toán; khóa trước đó chỉ còn dùng để xác minh. Cả hai được công bố tại /.well-known/jwks.json.',
      'signingKeys.kid': 'Mã khóa (kid)',
      'signingKeys.role': 'Vai trò',
      'signingKeys.signing': 'Đang ký',
      'signingKeys.verifying': 'Chỉ xác minh',
      'signingKeys.rotate': 'Đổi khóa ký',
      'signingKeys.confirmTitle': 'Đổi khóa ký mã truy cập?',
      'signingKeys.confirmBody':
        'Một khóa mới sẽ ký mọi mã truy cập, bảng kê và điểm kiểm tra nhật ký từ bây giờ. Các mã truy cập đã cấp, ký bằng khóa hiện hành {current}, vẫn được chấp nhận đến khi hết hạn: khóa này còn được công bố để xác minh cho đến lần đổi khóa sau.',
      'signingKeys.confirmDropped':
        'Khóa {previous} bị gỡ khỏi JWKS: mã truy cập còn ký bằng khóa này bị từ chối ngay, và bảng kê, điểm kiểm tra do nó ký không còn xác minh được với JWKS mới; hãy lưu một bản jwks.json hiện tại trước.',
      'signingKeys.cannotUndo': 'Không thể hoàn tác.',
      'signingKeys.rotateConfirm': 'Đổi khóa ký ngay',
      'signingKeys.rotateFailed': 'Chưa đổi được khóa ký',
      'signingKeys.rotated':
        'Đã đổi khóa ký: khóa {kid} ký từ bây giờ; mã truy cập đã cấp bằng khóa {previous} vẫn dùng được đến khi hết hạn.',
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
      'credentials.cancel': 'Cancel, change nothing',
      'credentials.revokeTitle': 'Revoke {client}?',
      'credentials.revokeBody':
        'Credential {client} of agency {agency} is revoked: every token of it is refused from the next request. This cannot be undone: to call again, the agency needs a new credential.',
      'credentials.revokeSelf': 'You are signed in with this very credential: your session ends too.',
      'credentials.revokeConfirm': 'Revoke for good',
      'credentials.revokeFailed': '{client} of agency {agency} was not revoked',
      'credentials.rotateTitle': 'Rotate the secret of {client}?',
      'credentials.rotateBody':
        'A new secret for {client} (agency {agency}) is shown once. The current secret keeps working for 24 more hours, until about {time}, and is refused after that: the agency must switch to the new one before then.',
      'credentials.rotateDropsOld':
        'The older secret from the previous rotation (valid until {time}) is refused at once.',
      'credentials.rotateConfirm': 'Rotate the secret',
      'credentials.rotateFailed': 'The secret of {client} (agency {agency}) was not rotated',
      'credentials.oldSecretUntil': 'The old secret works until {time}',
      'credentials.lastAdmin':
        'This is the last active admin credential: revoking it would leave nobody able to administer the gateway. Issue another admin credential to the operator agency first.',
      'credentials.operatorOnly': 'operator agency only',
      'credentials.notEntitled': 'the agency is not entitled to this operation',
      'signingKeys.title': 'Token signing keys',
      'signingKeys.intro':
        'The current key signs every access token, statement and audit checkpoint; the previous one only verifies. Both are published at /.well-known/jwks.json.',
      'signingKeys.kid': 'Key id (kid)',
      'signingKeys.role': 'Role',
      'signingKeys.signing': 'Signing',
      'signingKeys.verifying': 'Verifying only',
      'signingKeys.rotate': 'Rotate the signing key',
      'signingKeys.confirmTitle': 'Rotate the token signing key?',
      'signingKeys.confirmBody':
        'A new key will sign every access token, statement and audit checkpoint from now on. Tokens already issued, signed with the current key {current}, are accepted until they expire: that key stays published for verification until the next rotation.',
      'signingKeys.confirmDropped':
        'Key {previous} leaves the JWKS: access tokens still signed with it are refused at once, and statements and checkpoints it signed no longer verify against the new JWKS; save a copy of the current jwks.json first.',
      'signingKeys.cannotUndo': 'This cannot be undone.',
      'signingKeys.rotateConfirm': 'Rotate the key now',
      'signingKeys.rotateFailed': 'The signing key was not rotated',
      'signingKeys.rotated':
        'Signing key rotated: key {kid} signs from now on; tokens issued with key {previous} keep working until they expire.',
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
      await Promise.all([loadCredentials(), loadSigningKeys()]);
    });
  },
  render() {
    renderCredentials();
    renderSigningKeys();
  },
  /** The next user finds no agency chosen, no credentials, scopes or public key of the last one's. */
  reset() {
    newest('credentials'); // a list still on its way is for the session that has gone
    view.credentials = undefined;
    view.entitled = undefined;
    view.keys = undefined;
    $('cred-form').reset();
    $('cred-agency').value = '';
  },
};
