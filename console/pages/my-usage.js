/**
 * Usage (an agency, self:read): the agency's own calls by day or month, as a chart and a table, from
 * GET /me/usage, drawn by the view finance's usage page uses (views/usage.js).
 */
import { api, PLATFORM_SCOPES, t } from '../context.js';
import { dayOf, formatDay, formatPeriod, shiftPeriod } from '../format.js';
import { $, busy, clearMessages, newest, typed } from '../ui.js';
import { clearUsage, renderUsage } from '../views/usage.js';

/** What this page shows: the usage last read. */
const view = { usage: undefined };

/** This month by day, or the last six months by month, unless the user has typed a range. */
function setInputs(granularity, reset = false) {
  const today = dayOf(Date.now());
  const hint = $('my-usage-hint');
  hint.dataset.i18n = granularity === 'day' ? 'input.dayHint' : 'input.monthHint';
  hint.textContent = t(hint.dataset.i18n);
  if (reset || !$('my-usage-from').value) {
    $('my-usage-from').value =
      granularity === 'day'
        ? formatDay(`${today.slice(0, 8)}01`)
        : formatPeriod(shiftPeriod(today.slice(0, 7), -5));
  }
  if (reset || !$('my-usage-to').value) {
    $('my-usage-to').value = granularity === 'day' ? formatDay(today) : formatPeriod(today.slice(0, 7));
  }
}

async function loadUsage() {
  const granularity = $('my-usage-granularity').value;
  setInputs(granularity);
  const query = new URLSearchParams({
    granularity,
    from: typed('my-usage-from', granularity),
    to: typed('my-usage-to', granularity),
  });
  const current = newest('my-usage');
  const usage = await api.json('GET', `me/usage?${query}`);
  if (!current()) return;
  view.usage = usage;
  renderMyUsage();
}

function renderMyUsage() {
  if (!view.usage) return;
  renderUsage($('my-usage-view'), view.usage, { id: 'my-usage', agencyColumn: false });
  // The view's heading names agencies too (finance's table has a column of them); this one has only operations.
  $('h-my-usage-table').textContent = t('myUsage.table');
}

export default {
  id: 'my-usage',
  nav: 'nav.myUsage',
  scopes: ['self:read'],
  notWith: PLATFORM_SCOPES,
  markup: `<section id="page-my-usage" class="page" aria-labelledby="h-my-usage" hidden>
  <h1 id="h-my-usage" data-i18n="myUsage.title">Sử dụng</h1>
  <form id="my-usage-form" class="row">
    <div class="field"><label for="my-usage-granularity" data-i18n="myUsage.granularity">Chi tiết theo</label>
      <select id="my-usage-granularity">
        <option value="day" data-i18n="usage.day">Ngày</option>
        <option value="month" data-i18n="usage.month">Tháng</option>
      </select></div>
    <div class="field"><label for="my-usage-from" data-i18n="myUsage.from">Từ</label>
      <input id="my-usage-from" required inputmode="numeric" autocomplete="off" aria-describedby="my-usage-hint"></div>
    <div class="field"><label for="my-usage-to" data-i18n="myUsage.to">Đến</label>
      <input id="my-usage-to" required inputmode="numeric" autocomplete="off" aria-describedby="my-usage-hint"></div>
    <button type="submit" data-i18n="common.show">Xem</button>
    <p id="my-usage-hint" class="hint" data-i18n="input.dayHint">Ngày dạng dd/mm/yyyy, ví dụ 27/11/2026</p>
  </form>
  <div id="my-usage-view"></div>
</section>`,
  messages: {
    vi: {
      'nav.myUsage': 'Sử dụng',
      'myUsage.title': 'Sử dụng',
      'myUsage.granularity': 'Chi tiết theo',
      'myUsage.from': 'Từ',
      'myUsage.to': 'Đến',
      'myUsage.table': 'Số liệu theo nghiệp vụ',
    },
    en: {
      'nav.myUsage': 'Usage',
      'myUsage.title': 'Usage',
      'myUsage.granularity': 'By',
      'myUsage.from': 'From',
      'myUsage.to': 'To',
      'myUsage.table': 'Figures by operation',
    },
  },
  init() {
    $('my-usage-granularity').addEventListener('change', (event) => setInputs(event.target.value, true));
    $('my-usage-form').addEventListener('submit', (event) => {
      event.preventDefault();
      clearMessages();
      busy(t('common.loading'), loadUsage, { button: event.submitter });
    });
  },
  load() {
    return busy(t('common.loading'), loadUsage);
  },
  render: renderMyUsage,
  reset() {
    view.usage = undefined;
    clearUsage($('my-usage-view'));
    $('my-usage-from').value = '';
    $('my-usage-to').value = '';
  },
};
