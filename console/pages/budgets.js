/** Budgets (finance): every agency's month-to-date spend against its cap, those at or near it first. */
import { api, t } from '../context.js';
import { formatCount, formatPeriod, formatVnd, periodOf } from '../format.js';
import { sortBudgets } from '../forms.js';
import { $, busy, cell, clearMessages, fillRows, h, newest, typed } from '../ui.js';

/** What this page shows: the month's budgets, once read. */
const view = { budgets: undefined };

async function loadBudgets() {
  const period = $('budgets-month').value ? typed('budgets-month', 'month') : periodOf(Date.now());
  $('budgets-month').value = formatPeriod(period);
  const current = newest('budgets');
  const budgets = await api.json('GET', `billing/budgets/${period}`);
  if (!current()) return;
  view.budgets = budgets;
  renderBudgets();
}

const STATE_SIGNS = { reached: '⛔', near: '⚠', within: '✓' };

function renderBudgets() {
  const budgets = view.budgets;
  $('h-budgets-list').textContent = budgets
    ? t('budgets.heading', { period: formatPeriod(budgets.period) })
    : t('budgets.title');
  if (!budgets) return;
  const items = sortBudgets(budgets.items);
  $('budgets-count').textContent = items.length
    ? t('budgets.count', {
        count: formatCount(items.length),
        reached: formatCount(items.filter((b) => b.state === 'reached').length),
        near: formatCount(items.filter((b) => b.state === 'near').length),
      })
    : t('budgets.none');
  const rows = items.map((budget) =>
    h(
      'tr',
      { 'data-agency-id': budget.agencyId, 'data-state': budget.state },
      h('th', { scope: 'row', text: budget.agencyName }),
      h(
        'td',
        {},
        h(
          'span',
          { class: `badge budget-${budget.state}` },
          h('span', { 'aria-hidden': 'true', text: `${STATE_SIGNS[budget.state]} ` }),
          t(`budgetState.${budget.state}`),
        ),
      ),
      cell(formatVnd(budget.capVnd), 'num'),
      cell(formatVnd(budget.spentVnd), 'num'),
      cell(formatVnd(budget.remainingVnd), 'num'),
      cell(`${formatCount(budget.percent)}%`, 'num'),
      cell(t(budget.enforce ? 'budgets.enforce' : 'budgets.warn')),
    ),
  );
  fillRows($('budgets-table'), rows, 7);
}

function init() {
  $('budgets-form').addEventListener('submit', (event) => {
    event.preventDefault();
    clearMessages();
    busy(t('common.loading'), loadBudgets, { button: event.submitter });
  });
}

export default {
  id: 'budgets',
  nav: 'nav.budgets',
  scopes: ['billing:read'],
  markup: `<section id="page-budgets" class="page" aria-labelledby="h-budgets" hidden>
  <h1 id="h-budgets" data-i18n="budgets.title">Ngân sách của các cơ quan</h1>
  <p data-i18n="budgets.intro">Chi tiêu từ đầu tháng (gồm thuế GTGT) so với hạn mức hằng tháng của từng cơ quan. Cơ quan đã đạt hoặc sắp đạt hạn mức (từ 80%) được đưa lên đầu.</p>
  <form id="budgets-form" class="row">
    <div class="field"><label for="budgets-month" data-i18n="statements.month">Tháng</label>
      <input id="budgets-month" required inputmode="numeric" autocomplete="off" aria-describedby="budgets-month-hint">
      <p id="budgets-month-hint" class="hint" data-i18n="input.monthHint">Tháng dạng mm/yyyy, ví dụ 11/2026</p></div>
    <button type="submit" data-i18n="common.show">Xem</button>
  </form>
  <h2 id="h-budgets-list" data-i18n="budgets.title">Ngân sách của các cơ quan</h2>
  <p id="budgets-count"></p>
  <div class="scroll">
    <table id="budgets-table" aria-labelledby="h-budgets-list">
      <thead><tr>
        <th scope="col" data-i18n="common.agency">Cơ quan</th>
        <th scope="col" data-i18n="budgets.state">Tình trạng</th>
        <th scope="col" class="num" data-i18n="budgets.cap">Hạn mức</th>
        <th scope="col" class="num" data-i18n="budgets.spent">Đã chi</th>
        <th scope="col" class="num" data-i18n="budgets.remaining">Còn lại</th>
        <th scope="col" class="num" data-i18n="budgets.used">Tỷ lệ đã dùng</th>
        <th scope="col" data-i18n="budgets.mode">Khi đạt hạn mức</th>
      </tr></thead>
      <tbody></tbody>
    </table>
  </div>
</section>`,
  messages: {
    vi: {
      'nav.budgets': 'Ngân sách',
      'budgets.title': 'Ngân sách của các cơ quan',
      'budgets.intro':
        'Chi tiêu từ đầu tháng (gồm thuế GTGT) so với hạn mức hằng tháng của từng cơ quan. Cơ quan đã đạt hoặc sắp đạt hạn mức (từ 80%) được đưa lên đầu.',
      'budgets.heading': 'Ngân sách tháng {period}',
      'budgets.count': '{count} cơ quan có hạn mức: {reached} đã đạt, {near} sắp đạt.',
      'budgets.none': 'Chưa cơ quan nào có hạn mức ngân sách.',
      'budgets.state': 'Tình trạng',
      'budgets.cap': 'Hạn mức',
      'budgets.spent': 'Đã chi',
      'budgets.remaining': 'Còn lại',
      'budgets.used': 'Tỷ lệ đã dùng',
      'budgets.mode': 'Khi đạt hạn mức',
      'budgets.enforce': 'Từ chối lượt gọi',
      'budgets.warn': 'Chỉ cảnh báo',
      'budgetState.reached': 'Đã đạt hạn mức',
      'budgetState.near': 'Sắp đạt hạn mức',
      'budgetState.within': 'Trong hạn mức',
    },
    en: {
      'nav.budgets': 'Budgets',
      'budgets.title': 'Agency budgets',
      'budgets.intro':
        "Month-to-date spend (VAT included) against each agency's monthly cap. Agencies at or near their cap (from 80%) come first.",
      'budgets.heading': 'Budgets for {period}',
      'budgets.count': '{count} agencies with a cap: {reached} reached, {near} near.',
      'budgets.none': 'No agency has a budget cap.',
      'budgets.state': 'State',
      'budgets.cap': 'Cap',
      'budgets.spent': 'Spent',
      'budgets.remaining': 'Remaining',
      'budgets.used': 'Used',
      'budgets.mode': 'When reached',
      'budgets.enforce': 'Refuse calls',
      'budgets.warn': 'Warn only',
      'budgetState.reached': 'Cap reached',
      'budgetState.near': 'Near the cap',
      'budgetState.within': 'Within the cap',
    },
  },
  init,
  load() {
    return busy(t('common.loading'), loadBudgets);
  },
  render: renderBudgets,
  reset() {
    view.budgets = undefined;
  },
};
