/** DOM helpers every page uses: elements, table rows, the alert and notice, the busy bar, downloads. */
import { ApiError } from './api.js';
import { OPERATIONS, opName, state, t } from './context.js';
import { parseDay, parseMonth } from './format.js';
import { neutraliseCsv } from './forms.js';

export const $ = (id) => document.getElementById(id);

/** An element with attributes (`text` sets textContent, `on*` adds a listener) and children. */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === 'text') element.textContent = value;
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null) element.append(child);
  }
  return element;
}

export const cell = (text, className) => h('td', { text: String(text ?? ''), class: className });
export const badge = (status) => h('span', { class: `badge ${status}`, text: t(`status.${status}`) });
/** An operation as part of an element id: `citizen:read` → `citizen-read`. */
export const slug = (op) => op.replace(':', '-');

export function fillRows(table, rows, columns) {
  const body = table.tBodies[0];
  body.replaceChildren(
    ...(rows.length ? rows : [h('tr', {}, h('td', { colspan: String(columns), text: t('common.none') }))]),
  );
}

// Messages, errors and progress.

export function showError(error) {
  const box = $('alert');
  if (error instanceof ApiError) {
    const fields = error.errors.length > 0;
    box.replaceChildren(
      h('strong', { text: error.title ?? `HTTP ${error.status}` }),
      error.detail && !fields ? `: ${error.detail}` : '',
      error.requestId
        ? h('span', { class: 'hint', text: ` (${t('error.requestId', { id: error.requestId })})` })
        : '',
      fields ? h('p', { text: t('error.fields') }) : '',
      fields
        ? h(
            'ul',
            { class: 'fields' },
            error.errors.map((field) =>
              h(
                'li',
                { 'data-path': field.path },
                fieldLabel(field.path) ? h('strong', { text: fieldLabel(field.path) }) : '',
                fieldLabel(field.path) ? ' ' : '',
                h('code', { text: field.path }),
                `: ${field.message}`,
              ),
            ),
          )
        : '',
    );
  } else if (error instanceof TypeError) {
    box.replaceChildren(h('strong', { text: t('error.network') }));
  } else {
    box.replaceChildren(
      h('strong', { text: typeof error === 'string' ? error : String(error?.message ?? error) }),
    );
  }
  box.hidden = false;
}

/** The form label of a field the API names by its JSON path (plans, budgets, entitlements), if there is one. */
const FIELD_LABELS = {
  code: 'plans.code',
  name: 'plans.name',
  'rateLimit.perSecond': 'plans.perSecond',
  'rateLimit.burst': 'plans.burst',
  monthlyQuota: 'plans.quota',
  includedCalls: 'plans.included',
  monthlyFeeVnd: 'plans.fee',
  capVnd: 'budget.cap',
  publicJwk: 'credentials.jwk',
};
function fieldLabel(path) {
  const [head, op] = path.split('.');
  if ((head === 'tiersVnd' || head === 'unitPricesVnd') && OPERATIONS.includes(op)) {
    return t(head === 'tiersVnd' ? 'plans.tiersFor' : 'plans.unitPrice', { op: opName(op) });
  }
  return FIELD_LABELS[path] ? t(FIELD_LABELS[path]) : undefined;
}

export function clearMessages() {
  $('alert').hidden = true;
  $('alert').replaceChildren();
  $('notice').textContent = '';
}

export const notify = (text) => {
  $('notice').textContent = text;
};

/** Runs `work` with the page marked busy and a progress bar saying what is happening; errors are shown. */
export async function busy(label, work, { button } = {}) {
  const page = state.page ? $(`page-${state.page}`) : $('page-signin');
  page?.setAttribute('aria-busy', 'true');
  $('busy-label').textContent = label;
  $('busy').hidden = false;
  if (button) button.disabled = true;
  try {
    return await work();
  } catch (error) {
    // A 401 has already signed the user out with "session expired": that is the message to keep.
    if (!(error instanceof ApiError && error.status === 401 && !state.session)) showError(error);
    return undefined;
  } finally {
    page?.removeAttribute('aria-busy');
    $('busy').hidden = true;
    if (button) button.disabled = false;
  }
}

/**
 * Marks a new load of `what` and returns whether it is still the newest: an older answer that arrives late
 * (the agency was changed again meanwhile) must not overwrite a newer one.
 */
const loads = {};
export function newest(what) {
  const n = (loads[what] ?? 0) + 1;
  loads[what] = n;
  return () => loads[what] === n;
}

/** The value of a typed day or month input as the API wants it, or an error message naming what is wrong. */
export function typed(id, granularity) {
  const text = $(id).value;
  const value = granularity === 'day' ? parseDay(text) : parseMonth(text);
  if (!value) throw t(granularity === 'day' ? 'input.badDay' : 'input.badMonth', { value: text });
  return value;
}

/** A CSV file finance can open safely: no cell a spreadsheet would run as a formula, and the byte order mark. */
export function csvBlob(text) {
  const safe = neutraliseCsv(text);
  // Response.text() drops the byte order mark, which spreadsheet programs need to read UTF-8.
  return new Blob([safe.startsWith('\uFEFF') ? safe : `\uFEFF${safe}`], { type: 'text/csv' });
}

export function downloadBlob(blob, filename) {
  const link = h('a', { href: URL.createObjectURL(blob), download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}
