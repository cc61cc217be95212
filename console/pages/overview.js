/**
 * Overview (an agency, self:read): its plan and limits, this month's calls against the quota, the budget cap and
 * the spend against it, and what it is entitled to, with the purposes by name. All from GET /me.
 */
import { api, opName, PLATFORM_SCOPES, t } from '../context.js';
import { formatCount, formatDay, formatPeriod, formatVnd } from '../format.js';
import { budgetState, tierRanges } from '../forms.js';
import { $, badge, busy, cell, fillRows, h, newest } from '../ui.js';

/** What this page shows: the account last read. */
const view = { me: undefined };

/** A definition list's rows: `[key, value, fact]`, the value a string or nodes; `fact` names it for the tests. */
const facts = (rows) =>
  rows.flatMap(([key, value, fact]) => [h('dt', { text: t(key) }), h('dd', { 'data-fact': fact }, value)]);

const code = (text) => h('code', { class: 'mono nowrap', text });

function renderOverview() {
  const me = view.me;
  $('overview-body').hidden = !me;
  if (!me) return;
  const { agency, plan, limits, month } = me;
  $('overview-agency').replaceChildren(
    h('strong', { text: agency.name }),
    ' ',
    code(agency.code),
    ' ',
    badge(agency.status),
  );

  $('h-overview-month').textContent = t('overview.month', { period: formatPeriod(month.period) });
  const budget = month.budget;
  const state = budget && budgetState(budget);
  $('overview-month').replaceChildren(
    ...facts([
      ['overview.calls', formatCount(month.calls), 'calls'],
      ['common.billable', formatCount(month.billable), 'billable'],
      ['overview.quota', formatCount(limits.monthlyQuota), 'quota'],
      ['overview.quotaRemaining', formatCount(month.quotaRemaining), 'quotaRemaining'],
      ...(budget
        ? [
            ['overview.budgetCap', formatVnd(budget.capVnd), 'capVnd'],
            ['overview.spent', formatVnd(budget.spentVnd), 'spentVnd'],
            [
              'overview.budgetRemaining',
              [
                formatVnd(budget.remainingVnd),
                ' ',
                h('span', {
                  class: `badge budget-${state.state}`,
                  text: t('overview.budgetState', {
                    state: t(`overview.budget.${state.state}`),
                    percent: state.percent,
                  }),
                }),
              ],
              'remainingVnd',
            ],
          ]
        : []),
    ]),
  );
  $('overview-budget-note').textContent = budget
    ? t(budget.enforce ? 'overview.enforced' : 'overview.notEnforced')
    : t('overview.noBudget');

  $('overview-plan-name').replaceChildren(
    ...(plan
      ? [
          h('strong', { text: plan.name }),
          ' ',
          code(plan.code),
          ' ',
          t('overview.version', { version: plan.version }),
        ]
      : [t('overview.noPlan')]),
  );
  $('overview-limits').replaceChildren(
    ...facts([
      [
        'overview.rate',
        t('overview.rateValue', {
          perSecond: formatCount(limits.rateLimit.perSecond),
          burst: formatCount(limits.rateLimit.burst),
        }),
        'rate',
      ],
      ['overview.quota', formatCount(limits.monthlyQuota), 'limitQuota'],
      ...(plan
        ? [
            ['overview.included', formatCount(plan.includedCalls), 'included'],
            ['overview.fee', formatVnd(plan.monthlyFeeVnd), 'fee'],
          ]
        : []),
    ]),
  );
  $('overview-prices-box').hidden = !plan;
  if (plan) {
    const operations = [
      ...new Set([...Object.keys(plan.unitPricesVnd), ...Object.keys(plan.tiersVnd ?? {})]),
    ];
    fillRows(
      $('overview-prices'),
      operations.map((op) =>
        h(
          'tr',
          { 'data-operation': op },
          cell(opName(op)),
          cell(op in plan.unitPricesVnd ? formatVnd(plan.unitPricesVnd[op]) : '–', 'num'),
          cell(tiersText(plan.tiersVnd?.[op])),
        ),
      ),
      3,
    );
  }

  fillRows(
    $('overview-entitlements'),
    me.entitlements.map((entitlement) =>
      h(
        'tr',
        { 'data-operation': entitlement.operation },
        cell(opName(entitlement.operation)),
        h(
          'td',
          {},
          h(
            'ul',
            { class: 'plain' },
            entitlement.purposes.map((purpose) =>
              h(
                'li',
                { 'data-purpose': purpose.code },
                code(purpose.code),
                ' ',
                purpose.name ?? t('overview.unnamedPurpose'),
              ),
            ),
          ),
        ),
        h(
          'td',
          {},
          entitlement.fields
            ? entitlement.fields.flatMap((field, i) => [i ? ', ' : '', code(field)])
            : t('overview.allFields'),
          entitlement.covertUntil
            ? h('p', {
                class: 'hint',
                text: t('overview.covertUntil', { day: formatDay(entitlement.covertUntil) }),
              })
            : '',
        ),
      ),
    ),
    3,
  );
}

/** An operation's tiers as call ranges in words, or a dash without tiers. */
function tiersText(tiers) {
  if (!tiers?.length) return '–';
  return tierRanges(tiers)
    .map((range) =>
      range.to === undefined
        ? t('overview.tierOpen', { from: formatCount(range.from), price: formatVnd(range.priceVnd) })
        : t('overview.tierRange', {
            from: formatCount(range.from),
            to: formatCount(range.to),
            price: formatVnd(range.priceVnd),
          }),
    )
    .join('; ');
}

async function loadOverview() {
  const current = newest('overview');
  const me = await api.json('GET', 'me');
  if (!current()) return;
  view.me = me;
  renderOverview();
}

export default {
  id: 'overview',
  nav: 'nav.overview',
  scopes: ['self:read'],
  notWith: PLATFORM_SCOPES,
  markup: `<section id="page-overview" class="page" aria-labelledby="h-overview" hidden>
  <h1 id="h-overview" data-i18n="overview.title">Tổng quan</h1>
  <div id="overview-body" hidden>
    <p id="overview-agency"></p>
    <section class="box" aria-labelledby="h-overview-month">
      <h2 id="h-overview-month" data-i18n="overview.title">Tổng quan</h2>
      <dl id="overview-month" class="totals"></dl>
      <p id="overview-budget-note" class="hint"></p>
    </section>
    <section aria-labelledby="h-overview-plan">
      <h2 id="h-overview-plan" data-i18n="overview.plan">Gói cước</h2>
      <p id="overview-plan-name"></p>
      <dl id="overview-limits" class="totals"></dl>
      <div id="overview-prices-box" class="scroll">
        <table id="overview-prices" aria-labelledby="h-overview-plan">
          <thead><tr>
            <th scope="col" data-i18n="common.operation">Nghiệp vụ</th>
            <th scope="col" class="num" data-i18n="overview.unitPrice">Đơn giá mỗi lượt</th>
            <th scope="col" data-i18n="overview.tiers">Bậc giá lũy tiến</th>
          </tr></thead>
          <tbody></tbody>
        </table>
      </div>
    </section>
    <section aria-labelledby="h-overview-entitlements">
      <h2 id="h-overview-entitlements" data-i18n="overview.entitlements">Nghiệp vụ và mục đích được cấp</h2>
      <div class="scroll">
        <table id="overview-entitlements" aria-labelledby="h-overview-entitlements">
          <thead><tr>
            <th scope="col" data-i18n="common.operation">Nghiệp vụ</th>
            <th scope="col" data-i18n="overview.purposes">Mục đích</th>
            <th scope="col" data-i18n="overview.fields">Trường dữ liệu được nhận</th>
          </tr></thead>
          <tbody></tbody>
        </table>
      </div>
    </section>
  </div>
</section>`,
  messages: {
    vi: {
      'nav.overview': 'Tổng quan',
      'overview.title': 'Tổng quan',
      'overview.month': 'Tháng {period}',
      'overview.calls': 'Số lượt gọi đã dùng',
      'overview.quota': 'Hạn ngạch tháng',
      'overview.quotaRemaining': 'Hạn ngạch còn lại',
      'overview.budgetCap': 'Hạn mức ngân sách tháng',
      'overview.spent': 'Đã chi (gồm thuế GTGT)',
      'overview.budgetRemaining': 'Ngân sách còn lại',
      'overview.budgetState': '{state}: {percent}%',
      'overview.budget.reached': 'Đã đạt hạn mức',
      'overview.budget.near': 'Sắp đạt hạn mức',
      'overview.budget.within': 'Trong hạn mức',
      'overview.enforced': 'Khi đạt hạn mức, các lượt tra cứu tính phí sẽ bị từ chối đến hết tháng.',
      'overview.notEnforced': 'Hạn mức chỉ để cảnh báo: đạt hạn mức không chặn các lượt tra cứu.',
      'overview.noBudget': 'Cơ quan không đặt hạn mức ngân sách.',
      'overview.plan': 'Gói cước',
      'overview.version': 'phiên bản {version}',
      'overview.noPlan':
        'Chưa có gói cước: áp dụng giới hạn mặc định của nền tảng, các lượt gọi không tính phí.',
      'overview.rate': 'Giới hạn tốc độ',
      'overview.rateValue': '{perSecond} lượt/giây, dồn tối đa {burst} lượt',
      'overview.included': 'Số lượt miễn phí mỗi tháng',
      'overview.fee': 'Phí hằng tháng',
      'overview.unitPrice': 'Đơn giá mỗi lượt',
      'overview.tiers': 'Bậc giá lũy tiến',
      'overview.tierRange': 'lượt {from}–{to}: {price}',
      'overview.tierOpen': 'từ lượt {from}: {price}',
      'overview.entitlements': 'Nghiệp vụ và mục đích được cấp',
      'overview.purposes': 'Mục đích',
      'overview.fields': 'Trường dữ liệu được nhận',
      'overview.allFields': 'Tất cả các trường',
      'overview.unnamedPurpose': '(mã không có trong danh mục)',
      'overview.covertUntil': 'Ẩn khỏi lịch sử tra cứu của công dân đến hết ngày {day}',
    },
    en: {
      'nav.overview': 'Overview',
      'overview.title': 'Overview',
      'overview.month': 'This month, {period}',
      'overview.calls': 'Calls used',
      'overview.quota': 'Monthly quota',
      'overview.quotaRemaining': 'Quota remaining',
      'overview.budgetCap': 'Monthly budget cap',
      'overview.spent': 'Spent (VAT included)',
      'overview.budgetRemaining': 'Budget remaining',
      'overview.budgetState': '{state}: {percent}%',
      'overview.budget.reached': 'Cap reached',
      'overview.budget.near': 'Near the cap',
      'overview.budget.within': 'Within the cap',
      'overview.enforced': 'Once the cap is reached, billable calls are refused until the month ends.',
      'overview.notEnforced': 'The cap is a warning only: reaching it does not stop any call.',
      'overview.noBudget': 'No budget cap is set.',
      'overview.plan': 'Plan',
      'overview.version': 'version {version}',
      'overview.noPlan': "No plan: the platform's default limits apply, and calls are not charged.",
      'overview.rate': 'Rate limit',
      'overview.rateValue': '{perSecond} calls a second, bursts of up to {burst}',
      'overview.included': 'Calls included each month',
      'overview.fee': 'Monthly fee',
      'overview.unitPrice': 'Price per call',
      'overview.tiers': 'Tiered prices',
      'overview.tierRange': 'calls {from}–{to}: {price}',
      'overview.tierOpen': 'from call {from}: {price}',
      'overview.entitlements': 'Operations and purposes granted',
      'overview.purposes': 'Purposes',
      'overview.fields': 'Fields received',
      'overview.allFields': 'Every field',
      'overview.unnamedPurpose': '(code not in the catalogue)',
      'overview.covertUntil': "Hidden from the citizen's access history until the end of {day}",
    },
  },
  init() {},
  load() {
    return busy(t('common.loading'), loadOverview);
  },
  render: renderOverview,
  reset() {
    view.me = undefined;
  },
};
