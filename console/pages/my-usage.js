/**
 * Usage (an agency, self:read): the agency's own calls by day or month, as a chart and a table, from
 * GET /me/usage, drawn by the view finance's usage page uses (views/usage.js).
 */
import { api, PLATFORM_SCOPES, t } from '../context.js';
import { $, busy, clearMessages, newest } from '../ui.js';
import { clearUsage, rangeFields, rangeQuery, renderUsage, setRangeInputs } from '../views/usage.js';

/** What this page shows: the usage last read. */
const view = { usage: undefined };

async function loadUsage() {
  const query = rangeQuery('my-usage', 'my-usage-hint');
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
    ${rangeFields('my-usage', 'my-usage-hint')}
    <button type="submit" data-i18n="common.show">Xem</button>
    <p id="my-usage-hint" class="hint" data-i18n="input.dayHint">Ngày dạng dd/mm/yyyy, ví dụ 27/11/2026</p>
  </form>
  <div id="my-usage-view"></div>
</section>`,
  messages: {
    vi: {
      'nav.myUsage': 'Sử dụng',
      'myUsage.title': 'Sử dụng',
      'myUsage.table': 'Số liệu theo nghiệp vụ',
    },
    en: {
      'nav.myUsage': 'Usage',
      'myUsage.title': 'Usage',
      'myUsage.table': 'Figures by operation',
    },
  },
  init() {
    $('my-usage-granularity').addEventListener('change', () =>
      setRangeInputs('my-usage', 'my-usage-hint', true),
    );
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
