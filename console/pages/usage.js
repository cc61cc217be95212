/** Usage (finance): calls by day or month, by agency and operation, as a chart and a table. */
import { loadAgencies } from '../agency-cache.js';
import { agencyLabel, agencyText, api, can, opName, state, t } from '../context.js';
import {
  dayOf,
  dayOfSeconds,
  formatCount,
  formatDay,
  formatPeriod,
  shiftPeriod,
  spacedTicks,
  usageSeries,
  usageTotals,
} from '../format.js';
import { $, busy, cell, clearMessages, fillRows, h, newest, typed } from '../ui.js';

const PALETTE = ['#0b5cad', '#a1261b', '#1b6b34', '#8a4b00', '#6a1b9a', '#00616e', '#5c5c00', '#9c0f5f'];

/** What this page shows: the usage last read and its chart. */
const view = { usage: undefined, chart: undefined };

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

/** Typed ranges: dd/mm/yyyy by day, mm/yyyy by month (the browser's own date pickers follow its locale). */
function setUsageInputs(granularity, reset = false) {
  const today = dayOf(Date.now());
  const hint = $('usage-range-hint');
  hint.dataset.i18n = granularity === 'day' ? 'input.dayHint' : 'input.monthHint';
  hint.textContent = t(hint.dataset.i18n);
  if (reset || !$('usage-from').value) {
    $('usage-from').value =
      granularity === 'day'
        ? formatDay(`${today.slice(0, 8)}01`)
        : formatPeriod(shiftPeriod(today.slice(0, 7), -5));
  }
  if (reset || !$('usage-to').value) {
    $('usage-to').value = granularity === 'day' ? formatDay(today) : formatPeriod(today.slice(0, 7));
  }
}
async function loadUsage() {
  const granularity = $('usage-granularity').value;
  setUsageInputs(granularity);
  const query = new URLSearchParams({
    granularity,
    from: typed('usage-from', granularity),
    to: typed('usage-to', granularity),
  });
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
  const { items, granularity } = view.usage;
  const groupBy = $('usage-group').value;
  const totals = usageTotals(items).map((total) =>
    h(
      'tr',
      {
        'data-agency-id': total.agencyId,
        'data-operation': total.operation,
      },
      cell(agencyLabel(total.agencyId)),
      cell(opName(total.operation)),
      cell(formatCount(total.calls), 'num'),
    ),
  );
  fillRows($('usage-table'), totals, 3);
  drawChart(usageSeries(view.usage, groupBy), granularity, groupBy);
}

function drawChart(data, granularity, groupBy) {
  const box = $('usage-chart');
  view.chart?.destroy();
  view.chart = undefined;
  box.replaceChildren();
  $('usage-empty').hidden = data.x.length > 0;
  if (!data.x.length || typeof uPlot === 'undefined') return;
  const label = (seconds) => {
    const day = dayOfSeconds(seconds);
    return granularity === 'day' ? formatDay(day) : formatPeriod(day.slice(0, 7));
  };
  const step = granularity === 'day' ? 86_400 : 31 * 86_400;
  const width = Math.max(320, Math.min(box.clientWidth || 900, 1200));
  view.chart = new uPlot(
    {
      width,
      height: 320,
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Asia/Ho_Chi_Minh'),
      scales: {
        x: { time: true, range: (_u, min, max) => (min === max ? [min - step, max + step] : [min, max]) },
        y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] },
      },
      axes: [
        {
          splits: () => spacedTicks(data.x, granularity === 'day' ? 10 : 12),
          values: (_u, splits) => splits.map(label),
          stroke: '#1a1a1a',
        },
        {
          values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? formatCount(v) : '')),
          stroke: '#1a1a1a',
        },
      ],
      series: [
        {
          label: t(granularity === 'day' ? 'usage.day' : 'usage.month'),
          value: (_u, v) => (v == null ? '–' : label(v)),
        },
        ...data.series.map((series, i) => ({
          label: groupBy === 'agency' ? agencyLabel(series.key) : opName(series.key),
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          points: { show: true, size: 7, fill: PALETTE[i % PALETTE.length] },
          value: (_u, v) => (v == null ? '–' : formatCount(v)),
        })),
      ],
    },
    [data.x, ...data.series.map((series) => series.values)],
    box,
  );
}

function init() {
  $('usage-granularity').addEventListener('change', (event) => setUsageInputs(event.target.value, true));

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
    <div class="field"><label for="usage-granularity" data-i18n="usage.granularity">Chi tiết theo</label>
      <select id="usage-granularity">
        <option value="day" data-i18n="usage.day">Ngày</option>
        <option value="month" data-i18n="usage.month">Tháng</option>
      </select></div>
    <div class="field"><label for="usage-from" data-i18n="usage.from">Từ</label>
      <input id="usage-from" required inputmode="numeric" autocomplete="off" aria-describedby="usage-range-hint"></div>
    <div class="field"><label for="usage-to" data-i18n="usage.to">Đến</label>
      <input id="usage-to" required inputmode="numeric" autocomplete="off" aria-describedby="usage-range-hint"></div>
    <div class="field"><label for="usage-group" data-i18n="usage.groupBy">Nhóm theo</label>
      <select id="usage-group">
        <option value="operation" data-i18n="usage.byOperation">Nghiệp vụ</option>
        <option value="agency" data-i18n="usage.byAgency">Cơ quan</option>
      </select></div>
    <button type="submit" data-i18n="common.show">Xem</button>
    <p id="usage-range-hint" class="hint" data-i18n="input.dayHint">Ngày dạng dd/mm/yyyy, ví dụ 27/11/2026</p>
  </form>
  <figure class="chart">
    <figcaption id="usage-caption" data-i18n="usage.chart">Biểu đồ số lượt gọi theo thời gian</figcaption>
    <div id="usage-chart" role="img" aria-labelledby="usage-caption"></div>
    <p id="usage-empty" hidden data-i18n="usage.empty">Không có lượt gọi nào trong khoảng thời gian này.</p>
  </figure>
  <h2 id="h-usage-table" data-i18n="usage.table">Số liệu theo cơ quan và nghiệp vụ</h2>
  <div class="scroll">
    <table id="usage-table" aria-labelledby="h-usage-table">
      <thead><tr>
        <th scope="col" data-i18n="common.agency">Cơ quan</th>
        <th scope="col" data-i18n="common.operation">Nghiệp vụ</th>
        <th scope="col" class="num" data-i18n="common.calls">Số lượt gọi</th>
      </tr></thead>
      <tbody></tbody>
    </table>
  </div>
</section>`,
  messages: {
    vi: {
      'nav.usage': 'Lưu lượng sử dụng',
      'usage.title': 'Lưu lượng sử dụng',
      'usage.from': 'Từ',
      'usage.to': 'Đến',
      'usage.granularity': 'Chi tiết theo',
      'usage.day': 'Ngày',
      'usage.month': 'Tháng',
      'usage.groupBy': 'Nhóm theo',
      'usage.byOperation': 'Nghiệp vụ',
      'usage.byAgency': 'Cơ quan',
      'usage.chart': 'Biểu đồ số lượt gọi theo thời gian',
      'usage.table': 'Số liệu theo cơ quan và nghiệp vụ',
      'usage.empty': 'Không có lượt gọi nào trong khoảng thời gian này.',
    },
    en: {
      'nav.usage': 'Usage',
      'usage.title': 'Usage',
      'usage.from': 'From',
      'usage.to': 'To',
      'usage.granularity': 'By',
      'usage.day': 'Day',
      'usage.month': 'Month',
      'usage.groupBy': 'Series',
      'usage.byOperation': 'Operation',
      'usage.byAgency': 'Agency',
      'usage.chart': 'Calls over time',
      'usage.table': 'Figures by agency and operation',
      'usage.empty': 'No calls in this period.',
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
    view.chart?.destroy();
    view.chart = undefined;
  },
};
