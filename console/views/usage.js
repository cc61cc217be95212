/**
 * Calls over time as a bar chart (uPlot) and a table of totals, from a usage answer: GET /billing/usage (finance,
 * any agency) and GET /me/usage (an agency's own) answer the same `{ granularity, from, to, items }`. Days and
 * months are Vietnam's; bars of several series are stacked, so a day's bar is its total.
 *
 * Its words are `messages` below; the usage pages register them, so every page finds them through t().
 */
import { agencyLabel, opName, t } from '../context.js';
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
import { $, cell, h, typed } from '../ui.js';

const PALETTE = ['#0b5cad', '#a1261b', '#1b6b34', '#8a4b00', '#6a1b9a', '#00616e', '#5c5c00', '#9c0f5f'];
const AXIS_FONT = '13px system-ui, sans-serif';

/** Per container: its elements and the chart drawn in it. */
const shown = new WeakMap();

/**
 * Shows `usage` in `container` (again after a change of language or grouping). Options: `id`, the prefix of the
 * ids inside (`usage` gives #usage-chart, #usage-empty, #usage-table); `groupBy`, one series per `operation`
 * (default) or per `agency`; `agencyColumn`, whether the table names the agency (finance: yes; an agency's own
 * page: no); `tableHeading`, the message key of the table's heading (default `usage.table`).
 */
export function renderUsage(
  container,
  usage,
  { id, groupBy = 'operation', agencyColumn = true, tableHeading = 'usage.table' },
) {
  let view = shown.get(container);
  if (!view || view.id !== id) {
    view = build(container, id);
    shown.set(container, view);
  }
  view.caption.textContent = t('usage.chart');
  view.empty.textContent = t('usage.empty');
  view.heading.textContent = t(tableHeading);
  const columns = [
    ...(agencyColumn ? [['common.agency']] : []),
    ['common.operation'],
    ['common.calls', 'num'],
  ];
  const rows = usageTotals(usage.items).map((total) =>
    h(
      'tr',
      { 'data-agency-id': total.agencyId, 'data-operation': total.operation },
      agencyColumn ? cell(agencyLabel(total.agencyId)) : undefined,
      cell(opName(total.operation)),
      cell(formatCount(total.calls), 'num'),
    ),
  );
  view.table.replaceChildren(
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map(([key, className]) => h('th', { scope: 'col', class: className, text: t(key) })),
      ),
    ),
    h(
      'tbody',
      {},
      rows.length ? rows : h('tr', {}, h('td', { colspan: String(columns.length), text: t('common.none') })),
    ),
  );
  draw(view, usageSeries(usage, groupBy), usage.granularity, groupBy);
}

/** Forgets what `container` shows and frees its chart (sign-out). */
export function clearUsage(container) {
  shown.get(container)?.chart?.destroy();
  shown.delete(container);
  container.replaceChildren();
}

function build(container, id) {
  const view = {
    id,
    caption: h('figcaption', { id: `${id}-caption` }),
    chartBox: h('div', {
      id: `${id}-chart`,
      class: 'usage-chart',
      role: 'img',
      'aria-labelledby': `${id}-caption`,
    }),
    empty: h('p', { id: `${id}-empty`, hidden: true }),
    heading: h('h2', { id: `h-${id}-table` }),
    table: h('table', { id: `${id}-table`, 'aria-labelledby': `h-${id}-table` }),
    chart: undefined,
  };
  container.replaceChildren(
    h('figure', { class: 'chart' }, view.caption, view.chartBox, view.empty),
    view.heading,
    h('div', { class: 'scroll' }, view.table),
  );
  return view;
}

/** The width in CSS pixels of the widest of `labels` in the axis font. */
function widest(labels) {
  const context = document.createElement('canvas').getContext('2d');
  if (!context) return 80;
  context.font = AXIS_FONT;
  return Math.max(0, ...labels.map((label) => context.measureText(label).width));
}

/**
 * Stacked bars: series i is drawn from the sum of the series before it to that sum plus its own calls. uPlot
 * draws a bar from 0, so each series gets the running sum and the series are drawn tallest first; the legend
 * and the tooltip say each series' own calls.
 */
function stack(series) {
  const sums = [];
  let running = series[0]?.values.map(() => 0) ?? [];
  for (const { values } of series) {
    running = running.map((sum, i) => sum + values[i]);
    // No bar where the series has no calls (a zero-height bar would still draw its outline).
    sums.push(running.map((sum, i) => (values[i] ? sum : null)));
  }
  return sums;
}

function draw(view, data, granularity, groupBy) {
  const box = view.chartBox;
  view.chart?.destroy();
  view.chart = undefined;
  box.replaceChildren();
  delete box.dataset.paths;
  view.empty.hidden = data.x.length > 0;
  if (!data.x.length || typeof uPlot === 'undefined') return;
  const label = (seconds) => {
    const day = dayOfSeconds(seconds);
    return granularity === 'day' ? formatDay(day) : formatPeriod(day.slice(0, 7));
  };
  // Evenly spaced labels counted back from the last day (or month), which is always labelled.
  const ticks = spacedTicks([...data.x].reverse(), granularity === 'day' ? 10 : 12).reverse();
  // A bar is centred on its day (or month): the x range reaches half a step beyond the first and last.
  const half = granularity === 'day' ? 43_200 : 15 * 86_400;
  // The last date label is centred under the last bar: room for its right half, so it is never clipped.
  const labelRoom = Math.ceil(widest(ticks.map(label)) / 2) + 8;
  const width = Math.max(320, Math.min(box.clientWidth || 900, 1200));
  const sums = stack(data.series);
  // Tallest first, so each shorter running sum is drawn over it and shows as its own segment.
  const order = data.series.map((_, i) => i).reverse();
  // The bars uPlot lays out (series and index of each with a height), for the eye and for tests.
  const bars = new Set();
  const barsBuilder = uPlot.paths.bars({
    size: [0.7, 48],
    align: 0,
    each: (_u, series, at, _left, _top, _width, height) => {
      if (height > 0) bars.add(`${series}:${at}`);
    },
  });
  view.chart = new uPlot(
    {
      width,
      height: 320,
      padding: [16, labelRoom, 0, 0],
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Asia/Ho_Chi_Minh'),
      cursor: { points: { show: false } },
      scales: {
        x: { time: true, range: (_u, min, max) => [min - half, max + half] },
        y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] },
      },
      axes: [
        {
          splits: () => ticks,
          values: (_u, splits) => splits.map(label),
          stroke: '#1a1a1a',
          font: AXIS_FONT,
          grid: { show: false },
        },
        {
          values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? formatCount(v) : '')),
          stroke: '#1a1a1a',
          font: AXIS_FONT,
        },
      ],
      series: [
        {
          label: t(granularity === 'day' ? 'usage.day' : 'usage.month'),
          value: (_u, v) => (v == null ? '–' : label(v)),
        },
        ...order.map((i) => {
          const series = data.series[i];
          const colour = PALETTE[i % PALETTE.length];
          return {
            label: groupBy === 'agency' ? agencyLabel(series.key) : opName(series.key),
            stroke: colour,
            fill: colour,
            width: 1,
            paths: barsBuilder,
            points: { show: false },
            value: (_u, _v, _s, at) => (at == null ? '–' : formatCount(series.values[at])),
          };
        }),
      ],
      hooks: {
        draw: [
          () => {
            box.dataset.bars = String(bars.size);
          },
        ],
      },
    },
    [data.x, ...order.map((i) => sums[i])],
    box,
  );
  box.dataset.paths = 'bars';
  box.dataset.series = String(data.series.length);
}

/** The markup of a usage form's range fields, whose values setRangeInputs and rangeQuery read. */
export const rangeFields = (
  prefix,
  hintId,
) => `<div class="field"><label for="${prefix}-granularity" data-i18n="usage.granularity">Chi tiết theo</label>
      <select id="${prefix}-granularity">
        <option value="day" data-i18n="usage.day">Ngày</option>
        <option value="month" data-i18n="usage.month">Tháng</option>
      </select></div>
    <div class="field"><label for="${prefix}-from" data-i18n="usage.from">Từ</label>
      <input id="${prefix}-from" required inputmode="numeric" autocomplete="off" aria-describedby="${hintId}"></div>
    <div class="field"><label for="${prefix}-to" data-i18n="usage.to">Đến</label>
      <input id="${prefix}-to" required inputmode="numeric" autocomplete="off" aria-describedby="${hintId}"></div>`;

/**
 * A usage form's range (`${prefix}-granularity`, `-from`, `-to`, and `hintId`): typed as dd/mm/yyyy by day or
 * mm/yyyy by month (the browser's own date pickers follow its locale); this month by day, or the last six months
 * by month, unless the user has typed a range. `reset` (a new granularity) sets them again.
 */
export function setRangeInputs(prefix, hintId, reset = false) {
  const granularity = $(`${prefix}-granularity`).value;
  const today = dayOf(Date.now());
  const hint = $(hintId);
  hint.dataset.i18n = granularity === 'day' ? 'input.dayHint' : 'input.monthHint';
  hint.textContent = t(hint.dataset.i18n);
  if (reset || !$(`${prefix}-from`).value) {
    $(`${prefix}-from`).value =
      granularity === 'day'
        ? formatDay(`${today.slice(0, 8)}01`)
        : formatPeriod(shiftPeriod(today.slice(0, 7), -5));
  }
  if (reset || !$(`${prefix}-to`).value) {
    $(`${prefix}-to`).value = granularity === 'day' ? formatDay(today) : formatPeriod(today.slice(0, 7));
  }
}

/** The form's range as the usage query (`granularity`, `from`, `to`); throws a message naming a bad day or month. */
export function rangeQuery(prefix, hintId) {
  setRangeInputs(prefix, hintId);
  const granularity = $(`${prefix}-granularity`).value;
  return new URLSearchParams({
    granularity,
    from: typed(`${prefix}-from`, granularity),
    to: typed(`${prefix}-to`, granularity),
  });
}

export const messages = {
  vi: {
    'usage.granularity': 'Chi tiết theo',
    'usage.from': 'Từ',
    'usage.to': 'Đến',
    'usage.day': 'Ngày',
    'usage.month': 'Tháng',
    'usage.chart': 'Biểu đồ số lượt gọi theo thời gian',
    'usage.table': 'Số liệu theo cơ quan và nghiệp vụ',
    'usage.empty': 'Không có lượt gọi nào trong khoảng thời gian này.',
  },
  en: {
    'usage.granularity': 'By',
    'usage.from': 'From',
    'usage.to': 'To',
    'usage.day': 'Day',
    'usage.month': 'Month',
    'usage.chart': 'Calls over time',
    'usage.table': 'Figures by agency and operation',
    'usage.empty': 'No calls in this period.',
  },
};
