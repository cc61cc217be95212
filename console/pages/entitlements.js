/** Entitlements (admin): which operations an agency may call, for which purposes, with which fields. */
import { loadAgencies } from '../agency-cache.js';
import { api, OPERATIONS, opName, state, t } from '../context.js';
import { formatDay, parseDay, parseList } from '../format.js';
import { $, busy, clearMessages, h, newest, notify, said, showError, slug } from '../ui.js';

/** The purpose catalogue's codes, once read: an entitlement may name these only (the API refuses others). */
const view = { purposes: undefined };

async function loadPurposes() {
  const { items } = await api.json('GET', 'admin/purposes');
  view.purposes = new Set(items.map((purpose) => purpose.code));
}

function renderEntitlementRows() {
  const rows = $('ent-rows');
  const values = new Map(
    OPERATIONS.map((op) => [
      op,
      {
        on: $(`ent-on-${slug(op)}`)?.checked ?? false,
        purposes: $(`ent-purposes-${slug(op)}`)?.value ?? '',
        fields: $(`ent-fields-${slug(op)}`)?.value ?? '',
        covert: $(`ent-covert-${slug(op)}`)?.value ?? '',
      },
    ]),
  );
  rows.replaceChildren(
    ...OPERATIONS.map((op) => {
      const id = slug(op);
      const value = values.get(op);
      return h(
        'fieldset',
        {},
        h('legend', {}, h('code', { text: op }), ` ${opName(op)}`),
        h(
          'label',
          { class: 'check' },
          h('input', { type: 'checkbox', id: `ent-on-${id}`, checked: value.on }),
          h('span', { text: t('entitlements.enabled', { op: opName(op) }) }),
        ),
        h(
          'div',
          { class: 'grid' },
          h(
            'div',
            { class: 'field' },
            h('label', { for: `ent-purposes-${id}`, text: t('entitlements.purposes') }),
            h('input', {
              id: `ent-purposes-${id}`,
              value: value.purposes,
              autocomplete: 'off',
              spellcheck: 'false',
            }),
          ),
          h(
            'div',
            { class: 'field' },
            h('label', { for: `ent-fields-${id}`, text: t('entitlements.fields') }),
            h('input', {
              id: `ent-fields-${id}`,
              value: value.fields,
              autocomplete: 'off',
              spellcheck: 'false',
            }),
          ),
          h(
            'div',
            { class: 'field' },
            h('label', { for: `ent-covert-${id}`, text: t('entitlements.covertUntil') }),
            h('input', {
              id: `ent-covert-${id}`,
              value: value.covert,
              inputmode: 'numeric',
              autocomplete: 'off',
              'aria-describedby': 'ent-covert-hint',
            }),
          ),
        ),
      );
    }),
  );
}
async function loadEntitlements() {
  const agencyId = $('ent-agency').value;
  renderEntitlementRows();
  const current = newest('entitlements');
  const { entitlements } = agencyId
    ? await api.json('GET', `admin/agencies/${agencyId}/entitlements`)
    : { entitlements: [] };
  if (!current()) return;
  for (const op of OPERATIONS) {
    const entitlement = entitlements.find((e) => e.operation === op);
    $(`ent-on-${slug(op)}`).checked = Boolean(entitlement);
    $(`ent-purposes-${slug(op)}`).value = entitlement?.purposes.join(', ') ?? '';
    $(`ent-fields-${slug(op)}`).value = entitlement?.fields?.join(', ') ?? '';
    $(`ent-covert-${slug(op)}`).value = entitlement?.covertUntil ? formatDay(entitlement.covertUntil) : '';
  }
}

function init() {
  $('ent-agency').addEventListener('change', () => busy(t('common.loading'), loadEntitlements));

  $('ent-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages();
    const agencyId = $('ent-agency').value;
    if (!agencyId) return showError(said('credentials.pickAgency'));
    const entitlements = [];
    for (const op of OPERATIONS) {
      if (!$(`ent-on-${slug(op)}`).checked) continue;
      const input = $(`ent-purposes-${slug(op)}`);
      const purposes = parseList(input.value);
      if (!purposes.length) return showError(said('entitlements.needPurpose', { op: () => opName(op) }));
      const unknown = view.purposes ? purposes.filter((code) => !view.purposes.has(code)) : [];
      if (unknown.length) {
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        return showError(
          said('entitlements.unknownPurposes', { op: () => opName(op), codes: unknown.join(', ') }),
        );
      }
      input.removeAttribute('aria-invalid');
      const fields = parseList($(`ent-fields-${slug(op)}`).value);
      const covertText = $(`ent-covert-${slug(op)}`).value.trim();
      const covertUntil = covertText ? parseDay(covertText) : undefined;
      if (covertText && !covertUntil) return showError(said('input.badDay', { value: covertText }));
      entitlements.push({
        operation: op,
        purposes,
        ...(fields.length ? { fields } : {}),
        ...(covertUntil ? { covertUntil } : {}),
      });
    }
    const saved = await busy(
      t('common.loading'),
      () => api.json('PUT', `admin/agencies/${agencyId}/entitlements`, { entitlements }),
      { button: event.submitter },
    );
    if (saved) notify(t('entitlements.saved', { code: state.agencies.get(agencyId)?.code ?? agencyId }));
  });
  renderEntitlementRows();
}

export default {
  id: 'entitlements',
  nav: 'nav.entitlements',
  scopes: ['admin'],
  markup: `<section id="page-entitlements" class="page" aria-labelledby="h-entitlements" hidden>
  <h1 id="h-entitlements" data-i18n="entitlements.title">Quyền truy cập</h1>
  <p data-i18n="entitlements.intro">Các nghiệp vụ cơ quan được gọi, mã thủ tục hành chính (mục đích) được chấp nhận và các trường dữ liệu được nhận.</p>
  <div class="field">
    <label for="ent-agency" data-i18n="common.agency">Cơ quan</label>
    <select id="ent-agency" class="agency-select"></select>
  </div>
  <form id="ent-form">
    <p id="ent-covert-hint" class="hint" data-i18n="input.dayHint">Ngày dạng dd/mm/yyyy, ví dụ 27/11/2026</p>
    <div id="ent-rows"></div>
    <button type="submit" data-i18n="entitlements.save">Lưu quyền truy cập</button>
  </form>
</section>`,
  messages: {
    vi: {
      'nav.entitlements': 'Quyền truy cập',
      'entitlements.title': 'Quyền truy cập',
      'entitlements.intro':
        'Các nghiệp vụ cơ quan được gọi, mã thủ tục hành chính (mục đích) được chấp nhận và các trường dữ liệu được nhận.',
      'entitlements.enabled': 'Cho phép {op}',
      'entitlements.purposes': 'Mục đích (mã thủ tục, cách nhau bởi dấu phẩy)',
      'entitlements.fields': 'Trường dữ liệu (cách nhau bởi dấu phẩy; để trống: tất cả)',
      'entitlements.covertUntil': 'Ẩn với chủ thể dữ liệu đến ngày',
      'entitlements.save': 'Lưu quyền truy cập',
      'entitlements.saved': 'Đã lưu quyền truy cập của {code}.',
      'entitlements.needPurpose': 'Nhập ít nhất một mục đích cho {op}.',
      'entitlements.unknownPurposes':
        'Mục đích của {op}: {codes} chưa có trong danh mục mục đích. Hãy thêm vào danh mục trước, hoặc sửa mã.',
    },
    en: {
      'nav.entitlements': 'Entitlements',
      'entitlements.title': 'Entitlements',
      'entitlements.intro':
        'Which operations the agency may call, for which administrative procedure codes (purposes), and which fields it receives.',
      'entitlements.enabled': 'Allow {op}',
      'entitlements.purposes': 'Purposes (procedure codes, comma-separated)',
      'entitlements.fields': 'Fields (comma-separated; empty: all)',
      'entitlements.covertUntil': 'Hidden from the data subject until',
      'entitlements.save': 'Save entitlements',
      'entitlements.saved': 'Entitlements of {code} saved.',
      'entitlements.needPurpose': 'Enter at least one purpose for {op}.',
      'entitlements.unknownPurposes':
        'Purposes of {op}: {codes} not in the purpose catalogue. Add them to the catalogue first, or correct the codes.',
    },
  },
  init,
  load() {
    return busy(t('common.loading'), async () => {
      if (!state.agencies.size) await loadAgencies();
      await Promise.all([loadEntitlements(), loadPurposes()]);
    });
  },
  render: renderEntitlementRows,
  /** The next user finds no agency chosen and none of the last one's entitlements in the form. */
  reset() {
    newest('entitlements'); // entitlements still on their way are for the session that has gone
    view.purposes = undefined;
    $('ent-agency').value = '';
    $('ent-rows').replaceChildren();
  },
};
