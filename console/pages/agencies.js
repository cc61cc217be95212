/** Agencies (admin): register, suspend and reactivate them, and set their monthly budget caps. */
import { loadAgencies, renderAgencySelects } from '../agency-cache.js';
import { confirmAction } from '../confirm.js';
import { api, PLATFORM_AGENCY_ID, state, t } from '../context.js';
import { formatCount, formatDate, formatVnd } from '../format.js';
import { parseInteger } from '../forms.js';
import { $, badge, busy, cell, clearMessages, fillRows, h, notify, said, showError } from '../ui.js';

function renderAgencies() {
  const rows = [...state.agencies.values()].map((agency) =>
    h(
      'tr',
      { 'data-agency': agency.code },
      cell(agency.code, 'mono nowrap'),
      cell(agency.name),
      h('td', {}, badge(agency.status)),
      h(
        'td',
        {},
        agency.planCode
          ? [
              h('span', { class: 'mono nowrap', text: agency.planCode }),
              ` ${t('agencies.planVersion', { version: agency.planVersion })}`,
            ]
          : '–',
      ),
      h(
        'td',
        { 'data-budget': agency.budget ? String(agency.budget.capVnd) : '' },
        agency.budget
          ? t(agency.budget.enforce ? 'agencies.budgetEnforced' : 'agencies.budgetWarned', {
              cap: formatVnd(agency.budget.capVnd),
            })
          : '–',
      ),
      cell(formatDate(agency.createdAt)),
      h('td', {}, statusAction(agency)),
    ),
  );
  fillRows($('agencies-table'), rows, 7);
  $('agencies-more').hidden = !state.agencyCursor;
}

/**
 * Suspend or reactivate, as the API allows: the operator agency is never suspended (409), so its row says why
 * instead of offering a button that can only fail.
 */
function statusAction(agency) {
  if (agency.status === 'active' && agency.id === PLATFORM_AGENCY_ID) {
    return h('p', { class: 'hint', 'data-why': 'operator', text: t('agencies.operatorStays') });
  }
  return agency.status === 'active'
    ? h('button', {
        type: 'button',
        class: 'danger',
        text: t('agencies.suspend', { code: agency.code }),
        onclick: (event) => suspendAgency(agency, event.currentTarget),
      })
    : h('button', {
        type: 'button',
        class: 'secondary',
        text: t('agencies.reactivate', { code: agency.code }),
        onclick: (event) => setAgencyStatus(agency, 'active', event.currentTarget),
      });
}

/** Suspending refuses every token of the agency from its next request: asked first, naming the agency. */
async function suspendAgency(agency, button) {
  clearMessages();
  const confirmed = await confirmAction({
    title: () => t('agencies.suspendTitle', { code: agency.code }),
    body: () => t('agencies.suspendBody', { code: agency.code, name: agency.name }),
    confirm: () => t('agencies.suspendConfirm', { code: agency.code }),
    cancel: () => t('agencies.keepActive'),
  });
  if (confirmed) await setAgencyStatus(agency, 'suspended', button);
}

async function setAgencyStatus(agency, status, button) {
  clearMessages();
  const updated = await busy(
    t('common.loading'),
    () => api.json('PATCH', `admin/agencies/${agency.id}`, { status }),
    {
      button,
      failed: [
        status === 'active' ? 'agencies.reactivateFailed' : 'agencies.suspendFailed',
        { code: agency.code },
      ],
    },
  );
  if (!updated) return;
  state.agencies.set(updated.id, updated);
  renderAgencies();
  notify(t(status === 'active' ? 'agencies.reactivated' : 'agencies.suspended', { code: updated.code }));
}

function init() {
  $('agency-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages();
    const body = { code: $('agency-code').value.trim(), name: $('agency-name').value.trim() };
    const created = await busy(t('common.loading'), () => api.json('POST', 'admin/agencies', body), {
      button: event.submitter,
    });
    if (!created) return;
    state.agencies.set(created.id, created);
    renderAgencies();
    renderAgencySelects();
    event.target.reset();
    notify(t('agencies.created', { code: created.code }));
  });

  /** The budget form shows the chosen agency's current cap, so saving again changes only what is edited. */
  $('budget-agency').addEventListener('change', () => {
    const budget = state.agencies.get($('budget-agency').value)?.budget;
    $('budget-cap').value = budget ? formatCount(budget.capVnd) : '';
    $(budget?.enforce ? 'budget-enforce' : 'budget-warn').checked = true;
  });

  $('budget-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages();
    const agencyId = $('budget-agency').value;
    if (!agencyId) return showError(said('credentials.pickAgency'));
    const text = $('budget-cap').value.trim();
    const capVnd = text ? parseInteger(text) : null;
    if (capVnd === undefined) {
      $('budget-cap').setAttribute('aria-invalid', 'true');
      $('budget-cap').focus();
      return showError(said('budget.badCap', { value: text }));
    }
    $('budget-cap').removeAttribute('aria-invalid');
    const enforce = $('budget-enforce').checked;
    const updated = await busy(
      t('common.loading'),
      () => api.json('PUT', `admin/agencies/${agencyId}/budget`, { capVnd, enforce }),
      { button: event.submitter },
    );
    if (!updated) return;
    state.agencies.set(updated.id, updated);
    renderAgencies();
    notify(
      capVnd === null
        ? t('budget.removed', { code: updated.code })
        : t('budget.saved', { cap: formatVnd(capVnd), code: updated.code }),
    );
  });

  $('agencies-more').addEventListener('click', () =>
    busy(t('common.loading'), async () => {
      await loadAgencies({ more: true });
      renderAgencies();
    }),
  );
}

export default {
  id: 'agencies',
  nav: 'nav.agencies',
  scopes: ['admin'],
  markup: `<section id="page-agencies" class="page" aria-labelledby="h-agencies" hidden>
  <h1 id="h-agencies" data-i18n="agencies.title">Cơ quan</h1>
  <form id="agency-form" class="row" aria-labelledby="h-agency-create">
    <h2 id="h-agency-create" data-i18n="agencies.create">Đăng ký cơ quan</h2>
    <div class="field">
      <label for="agency-code" data-i18n="agencies.code">Mã cơ quan</label>
      <input id="agency-code" required maxlength="32" autocomplete="off" spellcheck="false" aria-describedby="agency-code-hint">
      <p id="agency-code-hint" class="hint" data-i18n="agencies.codeHint">Chữ in hoa, chữ số hoặc dấu gạch ngang, ví dụ BHXH-DN</p>
    </div>
    <div class="field wide">
      <label for="agency-name" data-i18n="agencies.name">Tên cơ quan</label>
      <input id="agency-name" required maxlength="200" autocomplete="off">
    </div>
    <button type="submit" data-i18n="agencies.submit">Đăng ký</button>
  </form>
  <h2 id="h-agency-list" data-i18n="agencies.list">Danh sách cơ quan</h2>
  <div class="scroll">
    <table id="agencies-table" aria-labelledby="h-agency-list">
      <thead><tr>
        <th scope="col" data-i18n="common.code">Mã</th>
        <th scope="col" data-i18n="common.name">Tên</th>
        <th scope="col" data-i18n="common.status">Trạng thái</th>
        <th scope="col" data-i18n="agencies.plan">Gói cước</th>
        <th scope="col" data-i18n="agencies.budget">Ngân sách tháng</th>
        <th scope="col" data-i18n="common.created">Ngày tạo</th>
        <th scope="col" data-i18n="common.actions">Thao tác</th>
      </tr></thead>
      <tbody></tbody>
    </table>
  </div>
  <button type="button" id="agencies-more" class="secondary" data-i18n="common.loadMore" hidden>Tải thêm</button>
  <form id="budget-form" aria-labelledby="h-budget">
    <h2 id="h-budget" data-i18n="budget.title">Hạn mức ngân sách hằng tháng</h2>
    <p class="hint" data-i18n="budget.intro">Tổng chi tiêu trong tháng (gồm thuế GTGT) của cơ quan được so với hạn mức này; bộ phận tài chính theo dõi ở trang Ngân sách.</p>
    <div class="row">
      <div class="field"><label for="budget-agency" data-i18n="common.agency">Cơ quan</label>
        <select id="budget-agency" class="agency-select" required></select></div>
      <div class="field"><label for="budget-cap" data-i18n="budget.cap">Hạn mức (VND, gồm thuế GTGT)</label>
        <input id="budget-cap" inputmode="numeric" autocomplete="off" spellcheck="false" aria-describedby="budget-cap-hint"></div>
    </div>
    <p id="budget-cap-hint" class="hint" data-i18n="budget.capHint">Ví dụ 5.000.000; để trống để bỏ hạn mức.</p>
    <fieldset>
      <legend data-i18n="budget.mode">Khi chi tiêu đạt hạn mức</legend>
      <div class="checks">
        <label><input type="radio" name="budget-mode" id="budget-warn" value="warn" checked><span data-i18n="budget.warn">Chỉ cảnh báo (vẫn phục vụ các lượt gọi)</span></label>
        <label><input type="radio" name="budget-mode" id="budget-enforce" value="enforce"><span data-i18n="budget.enforce">Từ chối các lượt gọi tiếp theo (HTTP 402)</span></label>
      </div>
    </fieldset>
    <button type="submit" data-i18n="budget.submit">Lưu hạn mức</button>
  </form>
</section>`,
  messages: {
    vi: {
      'nav.agencies': 'Cơ quan',
      'agencies.title': 'Cơ quan',
      'agencies.list': 'Danh sách cơ quan',
      'agencies.create': 'Đăng ký cơ quan',
      'agencies.code': 'Mã cơ quan',
      'agencies.codeHint': 'Chữ in hoa, chữ số hoặc dấu gạch ngang, ví dụ BHXH-DN',
      'agencies.name': 'Tên cơ quan',
      'agencies.submit': 'Đăng ký',
      'agencies.created': 'Đã đăng ký cơ quan {code}.',
      'agencies.plan': 'Gói cước',
      'agencies.suspend': 'Tạm dừng {code}',
      'agencies.reactivate': 'Kích hoạt lại {code}',
      'agencies.suspended':
        'Đã tạm dừng cơ quan {code}: các mã truy cập của cơ quan bị từ chối từ yêu cầu kế tiếp.',
      'agencies.reactivated': 'Đã kích hoạt lại cơ quan {code}.',
      'agencies.planVersion': 'phiên bản {version}',
      'agencies.operatorStays':
        'Cơ quan vận hành nền tảng không thể bị tạm dừng: nếu tạm dừng, không còn ai quản trị được cổng.',
      'agencies.suspendTitle': 'Tạm dừng cơ quan {code}?',
      'agencies.suspendBody':
        'Cơ quan {code} · {name}: mọi mã truy cập của cơ quan bị từ chối từ yêu cầu kế tiếp và cơ quan không lấy được mã mới, cho đến khi được kích hoạt lại.',
      'agencies.suspendConfirm': 'Tạm dừng {code}',
      'agencies.keepActive': 'Hủy, giữ hoạt động',
      'agencies.suspendFailed': 'Chưa tạm dừng được cơ quan {code}',
      'agencies.reactivateFailed': 'Chưa kích hoạt lại được cơ quan {code}',
      'agencies.budget': 'Ngân sách tháng',
      'agencies.budgetEnforced': '{cap} · từ chối khi đạt',
      'agencies.budgetWarned': '{cap} · chỉ cảnh báo',
      'budget.title': 'Hạn mức ngân sách hằng tháng',
      'budget.intro':
        'Tổng chi tiêu trong tháng (gồm thuế GTGT) của cơ quan được so với hạn mức này; bộ phận tài chính theo dõi ở trang Ngân sách.',
      'budget.cap': 'Hạn mức (VND, gồm thuế GTGT)',
      'budget.capHint': 'Ví dụ 5.000.000; để trống để bỏ hạn mức.',
      'budget.mode': 'Khi chi tiêu đạt hạn mức',
      'budget.warn': 'Chỉ cảnh báo (vẫn phục vụ các lượt gọi)',
      'budget.enforce': 'Từ chối các lượt gọi tiếp theo (HTTP 402)',
      'budget.submit': 'Lưu hạn mức',
      'budget.saved': 'Đã đặt hạn mức {cap} mỗi tháng cho cơ quan {code}.',
      'budget.removed': 'Đã bỏ hạn mức ngân sách của cơ quan {code}.',
      'budget.badCap': '“{value}” không phải là số tiền hợp lệ: nhập số nguyên đồng, ví dụ 5.000.000.',
    },
    en: {
      'nav.agencies': 'Agencies',
      'agencies.title': 'Agencies',
      'agencies.list': 'Registered agencies',
      'agencies.create': 'Register an agency',
      'agencies.code': 'Agency code',
      'agencies.codeHint': 'Capital letters, digits or dashes, e.g. BHXH-DN',
      'agencies.name': 'Agency name',
      'agencies.submit': 'Register',
      'agencies.created': 'Agency {code} registered.',
      'agencies.plan': 'Plan',
      'agencies.suspend': 'Suspend {code}',
      'agencies.reactivate': 'Reactivate {code}',
      'agencies.suspended': 'Agency {code} suspended: its tokens are refused from the next request.',
      'agencies.reactivated': 'Agency {code} reactivated.',
      'agencies.planVersion': 'version {version}',
      'agencies.operatorStays':
        'The platform operator agency cannot be suspended: nobody could administer the gateway any more.',
      'agencies.suspendTitle': 'Suspend agency {code}?',
      'agencies.suspendBody':
        'Agency {code} · {name}: every token of the agency is refused from its next request, and it gets no new one, until it is reactivated.',
      'agencies.suspendConfirm': 'Suspend {code}',
      'agencies.keepActive': 'Cancel, keep it active',
      'agencies.suspendFailed': 'Agency {code} was not suspended',
      'agencies.reactivateFailed': 'Agency {code} was not reactivated',
      'agencies.budget': 'Monthly budget',
      'agencies.budgetEnforced': '{cap} · refuse when reached',
      'agencies.budgetWarned': '{cap} · warn only',
      'budget.title': 'Monthly budget cap',
      'budget.intro':
        "The agency's month-to-date spend (VAT included) is measured against this cap; finance follows it on the Budgets page.",
      'budget.cap': 'Cap (VND, VAT included)',
      'budget.capHint': 'E.g. 5.000.000; leave empty to remove the cap.',
      'budget.mode': 'When spend reaches the cap',
      'budget.warn': 'Warn only (calls are still served)',
      'budget.enforce': 'Refuse further calls (HTTP 402)',
      'budget.submit': 'Save the cap',
      'budget.saved': 'Monthly cap of {cap} set for agency {code}.',
      'budget.removed': 'Budget cap of agency {code} removed.',
      'budget.badCap': '“{value}” is not an amount: type whole đồng, e.g. 5.000.000.',
    },
  },
  init,
  load() {
    return busy(t('common.loading'), async () => {
      await loadAgencies();
      renderAgencies();
    });
  },
  render: renderAgencies,
  /** The next user finds neither the last one's half-typed agency nor the cap they were setting. */
  reset() {
    $('agency-form').reset();
    $('budget-form').reset();
    $('budget-cap').removeAttribute('aria-invalid');
  },
};
