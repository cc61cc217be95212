/** Usage (finance): calls by day or month, by agency and operation, as a chart and a table. */
import { loadAgencies } from '../agency-cache.js';
import { agencyText, api, can, state, t } from '../context.js';
import { $, busy, clearMessages, h, newest } from '../ui.js';
import {
  clearUsage,
  rangeFields,
  rangeQuery,
  renderUsage as renderUsageView,
  setRangeInputs,
  messages as usageWords,
} from '../views/usage.js';

/** What this page shows: the usage last read. */
const view = { usage: undefined };

/** Agency names for finance, who cannot list agencies: the month summaries name every agency with usage. */
async function learnAgencyNames(periods) {
  if (can('admin')) {
    if (!state.agencies.size) await loadAgencies();
    return;
  }
  for (const period of periods) {
    const summary = await api.json('GET', `billing/summary/${period}?top=1`);
    for (const agency of summary.agencies) {
      if (!state.agencies.has(agency.agencyId)) {
        state.agencies.set(agency.agencyId, { id: agency.agencyId, name: agency.agencyName });
      }
    }
  }
}

function renderUsageAgencies() {
  const select = $('usage-agency');
  const current = select.value;
  select.replaceChildren(
    h('option', { value: '', text: t('common.allAgencies') }),
    ...[...state.agencies.values()].map((agency) =>
      h('option', { value: agency.id, text: agencyText(agency) }),
    ),
  );
  if (state.agencies.has(current)) select.value = current;
}

async function loadUsage() {
  const query = rangeQuery('usage', 'usage-range-hint');
  if ($('usage-agency').value) query.set('agency', $('usage-agency').value);
  const current = newest('usage');
  const usage = await api.json('GET', `billing/usage?${query}`);
  const unknown = usage.items.some((row) => !state.agencies.has(row.agencyId));
  if (unknown) await learnAgencyNames([...new Set(usage.items.map((row) => row.period))]);
  if (!current()) return;
  view.usage = usage;
  renderUsageAgencies();
  renderUsage();
}

function renderUsage() {
  renderUsageAgencies();
  if (!view.usage) return;
  renderUsageView($('usage-view'), view.usage, { id: 'usage', groupBy: $('usage-group').value });
}

function init() {
  $('usage-granularity').addEventListener('change', () => setRangeInputs('usage', 'usage-range-hint', true));

  $('usage-form').addEventListener('submit', (event) => {
    event.preventDefault();
    clearMessages();
    busy(t('common.loading'), loadUsage, { button: event.submitter });
  });
  $('usage-group').addEventListener('change', () => renderUsage());
}

export default {
  id: 'usage',
  nav: 'nav.usage',
  scopes: ['billing:read'],
  markup: `<section id="page-usage" class="page" aria-labelledby="h-usage" hidden>
  <h1 id="h-usage" data-i18n="usage.title">Lưu lượng sử dụng</h1>
  <form id="usage-form" class="row">
    <div class="field"><label for="usage-agency" data-i18n="common.agency">Cơ quan</label>
      <select id="usage-agency"></select></div>
    ${rangeFields('usage', 'usage-range-hint')}
    <div class="field"><label for="usage-group" data-i18n="usage.groupBy">Nhóm theo</label>
      <select id="usage-group">
        <option value="operation" data-i18n="usage.byOperation">Nghiệp vụ</option>
        <option value="agency" data-i18n="usage.byAgency">Cơ quan</option>
      </select></div>
    <button type="submit" data-i18n="common.show">Xem</button>
    <p id="usage-range-hint" class="hint" data-i18n="input.dayHint">Ngày dạng dd/mm/yyyy, ví dụ 27/11/2026</p>
  </form>
  <div id="usage-view"></div>
</section>`,
  messages: {
    vi: {
      ...usageWords.vi,
      'nav.usage': 'Lưu lượng sử dụng',
      'usage.title': 'Lưu lượng sử dụng',
      'usage.groupBy': 'Nhóm theo',
      'usage.byOperation': 'Nghiệp vụ',
      'usage.byAgency': 'Cơ quan',
    },
    en: {
      ...usageWords.en,
      'nav.usage': 'Usage',
      'usage.title': 'Usage',
      'usage.groupBy': 'Series',
      'usage.byOperation': 'Operation',
      'usage.byAgency': 'Agency',
    },
  },
  init,
  load() {
    return busy(t('common.loading'), async () => {
      if (can('admin') && !state.agencies.size) await loadAgencies();
      await loadUsage();
    });
  },
  render: renderUsage,
  reset() {
    view.usage = undefined;
    clearUsage($('usage-view'));
  },
};
