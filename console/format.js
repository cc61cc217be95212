/**
 * Pure formatting and data shaping for the console (no DOM): Vietnamese number, money and date formats in
 * both languages, calendar periods in Asia/Ho_Chi_Minh, and the usage chart's series.
 */

export const TIME_ZONE = 'Asia/Ho_Chi_Minh';
/** Vietnam has no daylight saving: a day starts at 00:00 +07, which is 17:00 UTC the day before. */
const OFFSET_SECONDS = 7 * 3600;

const vnd = new Intl.NumberFormat('vi-VN', { style: 'currency', currency: 'VND' });
const count = new Intl.NumberFormat('vi-VN');
const dateParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** Integer VND as Vietnamese money: 1.000.000 ₫. */
export const formatVnd = (amount) => vnd.format(amount);

/** A count with Vietnamese thousands separators: 12.345. */
export const formatCount = (value) => count.format(value);

function partsOf(instant) {
  const parts = {};
  for (const { type, value } of dateParts.formatToParts(new Date(instant))) parts[type] = value;
  return parts;
}

/** An instant's calendar day in Vietnam, dd/MM/yyyy. */
export function formatDate(instant) {
  const p = partsOf(instant);
  return `${p.day}/${p.month}/${p.year}`;
}

/** An instant in Vietnam time, dd/MM/yyyy HH:mm:ss. */
export function formatDateTime(instant) {
  const p = partsOf(instant);
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}:${p.second}`;
}

/** A billing period YYYY-MM as MM/yyyy. */
export const formatPeriod = (period) => `${period.slice(5, 7)}/${period.slice(0, 4)}`;

/** A calendar day YYYY-MM-DD (already a Vietnam day) as dd/MM/yyyy. */
export const formatDay = (day) => `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;

/** The billing period (YYYY-MM) an instant falls in, in Vietnam. */
export function periodOf(instant) {
  const p = partsOf(instant);
  return `${p.year}-${p.month}`;
}

/** The day (YYYY-MM-DD) an instant falls on, in Vietnam. */
export function dayOf(instant) {
  const p = partsOf(instant);
  return `${p.year}-${p.month}-${p.day}`;
}

/** The period `months` after `period` (negative: before). */
export function shiftPeriod(period, months) {
  const index = Number(period.slice(0, 4)) * 12 + Number(period.slice(5, 7)) - 1 + months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** Unix seconds at 00:00 in Vietnam of a day (YYYY-MM-DD) or of a month's first day (YYYY-MM). */
export function startOf(dayOrPeriod) {
  const [y, m, d] = dayOrPeriod.split('-').map(Number);
  return Date.UTC(y, m - 1, d ?? 1) / 1000 - OFFSET_SECONDS;
}

/** The Vietnam day (YYYY-MM-DD) of unix seconds. */
export const dayOfSeconds = (seconds) => dayOf(seconds * 1000);

/** Every day (YYYY-MM-DD) or month (YYYY-MM) from `from` to `to`, both included; at most `limit` of them. */
export function periodRange(from, to, granularity, limit = 1000) {
  const keys = [];
  if (granularity === 'month') {
    for (let p = from.slice(0, 7); p <= to.slice(0, 7) && keys.length < limit; p = shiftPeriod(p, 1))
      keys.push(p);
    return keys;
  }
  const first = from.length === 7 ? `${from}-01` : from;
  const last = to.length === 7 ? dayOfSeconds(startOf(shiftPeriod(to, 1)) - 1) : to;
  for (let s = startOf(first); dayOfSeconds(s) <= last && keys.length < limit; s += 86_400)
    keys.push(dayOfSeconds(s));
  return keys;
}

/**
 * Usage rows (GET /billing/usage) as chart data: one x per day or month of the range (unix seconds at its start
 * in Vietnam), one series per operation or per agency, each the calls at every x (0 where there were none).
 */
export function usageSeries(usage, groupBy) {
  const { items, granularity } = usage;
  const keyOf = (row) => (granularity === 'day' ? row.day : row.period);
  const xKeys =
    usage.from && usage.to
      ? periodRange(usage.from, usage.to, granularity)
      : [...new Set(items.map(keyOf))].sort();
  const index = new Map(xKeys.map((key, i) => [key, i]));
  const series = new Map();
  for (const row of items) {
    const at = index.get(keyOf(row));
    if (at === undefined) continue;
    const add = (key, calls) => {
      if (!series.has(key)) series.set(key, new Array(xKeys.length).fill(0));
      series.get(key)[at] += calls;
    };
    if (groupBy === 'agency') add(row.agencyId, row.calls);
    else for (const [operation, counts] of Object.entries(row.operations)) add(operation, counts.calls);
  }
  const keys = [...series.keys()].sort();
  return { x: xKeys.map(startOf), xKeys, series: keys.map((key) => ({ key, values: series.get(key) })) };
}

/** At most `most` of the x values, evenly spaced, for axis labels that do not collide. */
export function spacedTicks(x, most) {
  const every = Math.max(1, Math.ceil(x.length / most));
  return x.filter((_, i) => i % every === 0);
}

/** Usage rows summed per agency and operation over the whole range, sorted by agency then operation. */
export function usageTotals(items) {
  const totals = new Map();
  for (const row of items) {
    for (const [operation, counts] of Object.entries(row.operations)) {
      const key = `${row.agencyId}\u0000${operation}`;
      const total = totals.get(key) ?? { agencyId: row.agencyId, operation, calls: 0 };
      total.calls += counts.calls;
      totals.set(key, total);
    }
  }
  return [...totals.values()].sort((a, b) =>
    a.agencyId === b.agencyId ? (a.operation < b.operation ? -1 : 1) : a.agencyId < b.agencyId ? -1 : 1,
  );
}

/** A day typed as dd/mm/yyyy (or yyyy-mm-dd) as YYYY-MM-DD; undefined unless it is a real calendar day. */
export function parseDay(text) {
  const trimmed = text.trim();
  const match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(trimmed) ?? /^(\d{4})-(\d{2})-(\d{2})$/.exec(trimmed);
  if (!match) return undefined;
  const [d, m, y] = trimmed.includes('/') ? match.slice(1) : match.slice(1).reverse();
  const day = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  const date = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== day ? undefined : day;
}

/** A month typed as mm/yyyy (or yyyy-mm) as YYYY-MM; undefined unless the month is 1-12. */
export function parseMonth(text) {
  const trimmed = text.trim();
  const match = /^(\d{1,2})\/(\d{4})$/.exec(trimmed) ?? /^(\d{4})-(\d{2})$/.exec(trimmed);
  if (!match) return undefined;
  const [m, y] = trimmed.includes('/') ? match.slice(1) : match.slice(1).reverse();
  return Number(m) >= 1 && Number(m) <= 12 ? `${y}-${m.padStart(2, '0')}` : undefined;
}

/** A comma- or space-separated list as its non-empty items. */
export const parseList = (text) =>
  text
    .split(/[\s,;]+/)
    .map((item) => item.trim())
    .filter(Boolean);
