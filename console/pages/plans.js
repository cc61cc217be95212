/** Plans (admin): price plans and their versions, and which plan an agency is on. */
import { loadAgencies } from '../agency-cache.js';
import { api, OPERATIONS, opName, state, t } from '../context.js';
import { formatCount, formatVnd } from '../format.js';
import { parseTiers, tierRanges } from '../forms.js';
import { $, busy, cell, clearMessages, fillRows, h, notify, showError, slug } from '../ui.js';

/** What this page shows: the current version of every plan. */
const view = { plans: [] };

function renderPriceInputs() {
  const tiers = new Map(OPERATIONS.map((op) => [op, $(`plan-tiers-${slug(op)}`)?.value ?? '']));
  $('plan-tiers').replaceChildren(
    ...OPERATIONS.map((op) =>
      h(
        'div',
        { class: 'field' },
        h('label', { for: `plan-tiers-${slug(op)}`, text: t('plans.tiersFor', { op: opName(op) }) }),
        h('input', {
          id: `plan-tiers-${slug(op)}`,
          value: tiers.get(op),
          autocomplete: 'off',
          spellcheck: 'false',
          'aria-describedby': 'plan-tiers-hint',
        }),
      ),
    ),
  );
  const box = $('plan-prices');
  const values = new Map(OPERATIONS.map((op) => [op, $(`plan-price-${slug(op)}`)?.value ?? '0']));
  box.replaceChildren(
    ...OPERATIONS.map((op) =>
      h(
        'div',
        { class: 'field' },
        h('label', { for: `plan-price-${slug(op)}`, text: t('plans.unitPrice', { op: opName(op) }) }),
        h('input', {
          id: `plan-price-${slug(op)}`,
          type: 'number',
          min: '0',
          step: '1',
          value: values.get(op),
        }),
      ),
    ),
  );
}

function renderPlans() {
  renderPriceInputs();
  const rows = view.plans.map((plan) =>
    h(
      'tr',
      { 'data-plan': plan.code },
      cell(plan.code, 'mono nowrap'),
      cell(plan.name),
      cell(plan.version, 'num'),
      cell(
        t('plans.perSecondUnit', {
          rate: formatCount(plan.rateLimit.perSecond),
          burst: formatCount(plan.rateLimit.burst),
        }),
      ),
      cell(formatCount(plan.monthlyQuota), 'num'),
      cell(formatCount(plan.includedCalls), 'num'),
      cell(formatVnd(plan.monthlyFeeVnd), 'num'),
      cell(
        Object.entries(plan.unitPricesVnd)
          .map(([op, price]) => `${opName(op)}: ${formatVnd(price)}`)
          .join('; ') || '–',
      ),
      h('td', {}, planTiers(plan)),
    ),
  );
  fillRows($('plans-table'), rows, 9);
  const select = $('assign-plan');
  const current = select.value;
  select.replaceChildren(
    h('option', { value: '', text: t('plans.plan') }),
    ...view.plans.map((plan) => h('option', { value: plan.code, text: `${plan.code} · ${plan.name}` })),
  );
  select.value = current;
}

/** A plan's tiers, one list item per operation: `Citizen lookup: calls 1–10.000: 500 ₫; from call 10.001: 300 ₫`. */
function planTiers(plan) {
  const entries = Object.entries(plan.tiersVnd ?? {}).filter(([, tiers]) => tiers?.length);
  if (!entries.length) return '–';
  return h(
    'ul',
    { class: 'plain' },
    entries.map(([op, tiers]) =>
      h('li', {
        'data-tiers': op,
        text: `${opName(op)}: ${tierRanges(tiers)
          .map((range) =>
            range.to === undefined
              ? t('plans.tierOpen', { from: formatCount(range.from), price: formatVnd(range.priceVnd) })
              : t('plans.tierRange', {
                  from: formatCount(range.from),
                  to: formatCount(range.to),
                  price: formatVnd(range.priceVnd),
                }),
          )
          .join('; ')}`,
      }),
    ),
  );
}

async function loadPlans() {
  view.plans = (await api.json('GET', 'admin/plans')).items;
  renderPlans();
}
const integer = (id) => Number.parseInt($(id).value, 10);

function init() {
  $('plan-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages();
    const unitPricesVnd = {};
    for (const op of OPERATIONS) {
      const price = integer(`plan-price-${slug(op)}`);
      if (price > 0) unitPricesVnd[op] = price;
    }
    const tiersVnd = {};
    for (const op of OPERATIONS) {
      const input = $(`plan-tiers-${slug(op)}`);
      const parsed = parseTiers(input.value);
      if (parsed.error) {
        const params = { ...parsed.error.params };
        for (const key of ['value', 'previous']) {
          if (typeof params[key] === 'number') params[key] = formatCount(params[key]);
        }
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        return showError(
          t('plans.tierError', { op: opName(op), reason: t(`tiers.${parsed.error.code}`, params) }),
        );
      }
      input.removeAttribute('aria-invalid');
      if (parsed.tiers.length) tiersVnd[op] = parsed.tiers;
    }
    const body = {
      code: $('plan-code').value.trim(),
      name: $('plan-name').value.trim(),
      rateLimit: { perSecond: integer('plan-rate'), burst: integer('plan-burst') },
      monthlyQuota: integer('plan-quota'),
      includedCalls: integer('plan-included'),
      monthlyFeeVnd: integer('plan-fee'),
      unitPricesVnd,
      ...(Object.keys(tiersVnd).length ? { tiersVnd } : {}),
    };
    const saved = await busy(t('common.loading'), () => api.json('POST', 'admin/plans', body), {
      button: event.submitter,
    });
    if (!saved) return;
    await busy(t('common.loading'), loadPlans);
    notify(t('plans.saved', { code: saved.code, version: saved.version }));
  });

  $('assign-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages();
    const agencyId = $('assign-agency').value;
    const planCode = $('assign-plan').value;
    const updated = await busy(
      t('common.loading'),
      () => api.json('PUT', `admin/agencies/${agencyId}/plan`, { planCode }),
      { button: event.submitter },
    );
    if (!updated) return;
    state.agencies.set(updated.id, updated);
    notify(t('plans.assigned', { plan: planCode, code: updated.code }));
  });
  renderPriceInputs();
}

export default {
  id: 'plans',
  nav: 'nav.plans',
  scopes: ['admin'],
  markup: `<section id="page-plans" class="page" aria-labelledby="h-plans" hidden>
  <h1 id="h-plans" data-i18n="plans.title">Gói cước</h1>
  <h2 id="h-plan-list" data-i18n="plans.list">Các gói cước (phiên bản hiện hành)</h2>
  <div class="scroll">
    <table id="plans-table" aria-labelledby="h-plan-list">
      <thead><tr>
        <th scope="col" data-i18n="plans.code">Mã gói</th>
        <th scope="col" data-i18n="plans.name">Tên gói</th>
        <th scope="col" data-i18n="plans.version">Phiên bản</th>
        <th scope="col" data-i18n="plans.rate">Giới hạn tốc độ</th>
        <th scope="col" data-i18n="plans.quota">Hạn mức mỗi tháng</th>
        <th scope="col" data-i18n="plans.included">Số lượt miễn phí mỗi tháng</th>
        <th scope="col" data-i18n="plans.fee">Phí hằng tháng (VND)</th>
        <th scope="col" data-i18n="plans.unitPrices">Đơn giá</th>
        <th scope="col" data-i18n="plans.tiers">Bậc giá lũy tiến</th>
      </tr></thead>
      <tbody></tbody>
    </table>
  </div>
  <form id="plan-form" aria-labelledby="h-plan-create">
    <h2 id="h-plan-create" data-i18n="plans.create">Tạo gói cước hoặc phiên bản mới</h2>
    <div class="grid">
      <div class="field"><label for="plan-code" data-i18n="plans.code">Mã gói</label>
        <input id="plan-code" required maxlength="32" autocomplete="off" spellcheck="false"></div>
      <div class="field"><label for="plan-name" data-i18n="plans.name">Tên gói</label>
        <input id="plan-name" required maxlength="200" autocomplete="off"></div>
      <div class="field"><label for="plan-rate" data-i18n="plans.perSecond">Số lượt mỗi giây</label>
        <input id="plan-rate" type="number" min="1" step="1" required value="10"></div>
      <div class="field"><label for="plan-burst" data-i18n="plans.burst">Số lượt tức thời tối đa</label>
        <input id="plan-burst" type="number" min="1" step="1" required value="20"></div>
      <div class="field"><label for="plan-quota" data-i18n="plans.quota">Hạn mức mỗi tháng</label>
        <input id="plan-quota" type="number" min="0" step="1" required value="100000"></div>
      <div class="field"><label for="plan-included" data-i18n="plans.included">Số lượt miễn phí mỗi tháng</label>
        <input id="plan-included" type="number" min="0" step="1" required value="0"></div>
      <div class="field"><label for="plan-fee" data-i18n="plans.fee">Phí hằng tháng (VND)</label>
        <input id="plan-fee" type="number" min="0" step="1" required value="0"></div>
    </div>
    <div id="plan-prices" class="grid"></div>
    <fieldset>
      <legend data-i18n="plans.tiers">Bậc giá lũy tiến</legend>
      <p id="plan-tiers-hint" class="hint" data-i18n="plans.tiersHint">Mỗi bậc là “đến lượt thứ: đơn giá”, cách nhau bởi dấu chấm phẩy; bậc cuối chỉ ghi đơn giá. Ví dụ 10.000: 500; 300 là 10.000 lượt đầu tiên trong tháng giá 500 ₫, các lượt sau 300 ₫. Bậc giá thay cho đơn giá của nghiệp vụ; để trống: dùng đơn giá.</p>
      <div id="plan-tiers" class="grid"></div>
    </fieldset>
    <button type="submit" data-i18n="plans.submit">Lưu gói cước</button>
  </form>
  <form id="assign-form" class="row" aria-labelledby="h-plan-assign">
    <h2 id="h-plan-assign" data-i18n="plans.assign">Áp dụng gói cho cơ quan</h2>
    <div class="field"><label for="assign-agency" data-i18n="common.agency">Cơ quan</label>
      <select id="assign-agency" class="agency-select" required></select></div>
    <div class="field"><label for="assign-plan" data-i18n="plans.plan">Gói cước</label>
      <select id="assign-plan" required></select></div>
    <button type="submit" data-i18n="plans.assignSubmit">Áp dụng</button>
  </form>
</section>`,
  messages: {
    vi: {
      'nav.plans': 'Gói cước',
      'plans.title': 'Gói cước',
      'plans.list': 'Các gói cước (phiên bản hiện hành)',
      'plans.create': 'Tạo gói cước hoặc phiên bản mới',
      'plans.code': 'Mã gói',
      'plans.name': 'Tên gói',
      'plans.version': 'Phiên bản',
      'plans.perSecond': 'Số lượt mỗi giây',
      'plans.burst': 'Số lượt tức thời tối đa',
      'plans.quota': 'Hạn mức mỗi tháng',
      'plans.included': 'Số lượt miễn phí mỗi tháng',
      'plans.fee': 'Phí hằng tháng (VND)',
      'plans.unitPrice': 'Đơn giá {op} (VND)',
      'plans.unitPrices': 'Đơn giá',
      'plans.rate': 'Giới hạn tốc độ',
      'plans.submit': 'Lưu gói cước',
      'plans.saved': 'Đã lưu gói {code}, phiên bản {version}.',
      'plans.assign': 'Áp dụng gói cho cơ quan',
      'plans.plan': 'Gói cước',
      'plans.assignSubmit': 'Áp dụng',
      'plans.assigned': 'Đã áp dụng gói {plan} cho cơ quan {code}.',
      'plans.perSecondUnit': '{rate}/giây, tối đa {burst}',
      'plans.tiers': 'Bậc giá lũy tiến',
      'plans.tiersHint':
        'Mỗi bậc là “đến lượt thứ: đơn giá”, cách nhau bởi dấu chấm phẩy; bậc cuối chỉ ghi đơn giá. Ví dụ 10.000: 500; 300 là 10.000 lượt đầu tiên trong tháng giá 500 ₫, các lượt sau 300 ₫. Bậc giá thay cho đơn giá của nghiệp vụ; để trống: dùng đơn giá.',
      'plans.tiersFor': 'Bậc giá {op}',
      'plans.tierRange': 'lượt {from}–{to}: {price}',
      'plans.tierOpen': 'từ lượt {from}: {price}',
      'plans.tierError': 'Bậc giá của {op}: {reason}',
      'tiers.number': '“{value}” không phải là số nguyên hợp lệ (số lượt từ 1, đơn giá từ 0).',
      'tiers.openBeforeLast': 'chỉ bậc cuối được ghi đơn giá mà không có “đến lượt thứ” (“{step}”).',
      'tiers.lastNotOpen': 'bậc cuối chỉ ghi đơn giá, cho mọi lượt còn lại (“{step}”).',
      'tiers.notAscending': 'các bậc phải tăng dần: {value} không lớn hơn {previous}.',
      'tiers.tooMany': 'tối đa {most} bậc.',
    },
    en: {
      'nav.plans': 'Plans',
      'plans.title': 'Plans',
      'plans.list': 'Price plans (current versions)',
      'plans.create': 'Create a plan or its next version',
      'plans.code': 'Plan code',
      'plans.name': 'Plan name',
      'plans.version': 'Version',
      'plans.perSecond': 'Calls per second',
      'plans.burst': 'Burst',
      'plans.quota': 'Monthly quota',
      'plans.included': 'Included calls per month',
      'plans.fee': 'Monthly fee (VND)',
      'plans.unitPrice': 'Unit price of {op} (VND)',
      'plans.unitPrices': 'Unit prices',
      'plans.rate': 'Rate limit',
      'plans.submit': 'Save plan',
      'plans.saved': 'Plan {code} saved, version {version}.',
      'plans.assign': 'Put an agency on a plan',
      'plans.plan': 'Plan',
      'plans.assignSubmit': 'Assign',
      'plans.assigned': 'Agency {code} is now on plan {plan}.',
      'plans.perSecondUnit': '{rate}/s, burst {burst}',
      'plans.tiers': 'Graduated tiers',
      'plans.tiersHint':
        'Each tier is “up to call: unit price”, separated by semicolons; the last one is a price only. E.g. 10.000: 500; 300 is the first 10,000 calls of the month at 500 ₫, later calls at 300 ₫. Tiers replace the operation’s unit price; empty: the unit price applies.',
      'plans.tiersFor': 'Tiers of {op}',
      'plans.tierRange': 'calls {from}–{to}: {price}',
      'plans.tierOpen': 'from call {from}: {price}',
      'plans.tierError': 'Tiers of {op}: {reason}',
      'tiers.number': '“{value}” is not a valid whole number (calls from 1, prices from 0).',
      'tiers.openBeforeLast': 'only the last tier may be a price without “up to” (“{step}”).',
      'tiers.lastNotOpen': 'the last tier is a price only, for every remaining call (“{step}”).',
      'tiers.notAscending': 'tiers must ascend: {value} is not above {previous}.',
      'tiers.tooMany': 'at most {most} tiers.',
    },
  },
  init,
  load() {
    return busy(t('common.loading'), async () => {
      if (!state.agencies.size) await loadAgencies();
      await loadPlans();
    });
  },
  render: renderPlans,
  /** The next user finds none of the last one's plans, nor a plan half-typed or half-assigned. */
  reset() {
    view.plans = [];
    $('plan-form').reset();
    $('assign-form').reset();
  },
};
