/** DOM helpers every page uses: elements, table rows, the alert and notice, the busy bar, downloads. */
import { ApiError } from './api.js';
import { OPERATIONS, opName, state, t } from './context.js';
import { formatCount, parseDay, parseMonth } from './format.js';
import { neutraliseCsv } from './forms.js';
import { fieldMessageKey, problemKey } from './problems.js';

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

/**
 * What the alert says now, kept so that a change of language says it again in the new one: the error, the
 * action that failed and the caller's own words for some problem types.
 */
let shown;

/**
 * Shows an error in the alert. An API error reads in the page's language: what failed (`failed`: a message
 * key, or `[key, params]`, e.g. `['statements.closeFailed', { period }]`), what the problem type means
 * (problems.js, or the caller's `problems: { conflict: key }` where it knows better), the invalid fields by
 * their form labels; the API's English title, detail and field messages and the request id sit in a closed
 * "Details" disclosure. A message from `said(key, params)` is said again if the language changes; a plain
 * string is shown as it is.
 */
export function showError(error, { failed, problems } = {}) {
  shown = { error, failed, problems };
  renderAlert();
}

/**
 * A message by its catalogue key, put into words when it is shown, in the language of that moment: what a
 * check throws or shows, so that an alert still standing is said again when the user switches language.
 * A param may be a function (`{ op: () => opName(op) }`) for words that are themselves translated.
 */
export class Said {
  constructor(key, params) {
    this.key = key;
    this.params = params;
  }
  toString() {
    const params = this.params
      ? Object.fromEntries(
          Object.entries(this.params).map(([name, value]) => [
            name,
            typeof value === 'function' ? value() : value,
          ]),
        )
      : undefined;
    return t(this.key, params);
  }
}
export const said = (key, params) => new Said(key, params);

/** The alert, if it shows an error, said again in the page's language (the shell calls it on a change). */
export function renderAlert() {
  const box = $('alert');
  if (!shown) return;
  const { error, failed, problems } = shown;
  if (error instanceof ApiError) box.replaceChildren(...problemAlert(error, failed, problems));
  else if (error instanceof TypeError) {
    box.replaceChildren(
      failed ? h('strong', { text: `${words(failed)}: ` }) : '',
      failed ? lowerFirst(t('error.network')) : h('strong', { text: t('error.network') }),
    );
  } else {
    const text = typeof error === 'string' || error instanceof Said ? String(error) : error?.message;
    box.replaceChildren(h('strong', { text: String(text ?? error) }));
  }
  box.hidden = false;
}

const words = (spec) => (Array.isArray(spec) ? t(spec[0], spec[1]) : t(spec));
/** "Mã ứng dụng…" after "Đăng nhập không thành công: ": lower case, unless it starts an acronym (HTTP). */
const lowerFirst = (text) =>
  /^\p{Lu}\p{Ll}/u.test(text) ? text[0].toLocaleLowerCase() + text.slice(1) : text;

function problemAlert(error, failed, problems) {
  const own = problems?.[error.slug];
  const reason = own ? words(own) : t(problemKey(error.slug, error.status), { status: error.status });
  const fields = error.errors;
  const english = (text) => h('dd', { lang: 'en', text });
  return [
    h(
      'p',
      { class: 'problem', 'data-problem': error.slug ?? `http-${error.status}` },
      failed ? h('strong', { text: `${words(failed)}: ` }) : '',
      failed ? lowerFirst(reason) : h('strong', { text: reason }),
    ),
    fields.length ? h('p', { text: t('error.fields') }) : '',
    fields.length
      ? h(
          'ul',
          { class: 'fields' },
          fields.map((field) =>
            h(
              'li',
              { 'data-path': field.path },
              fieldLabel(field.path) ? h('strong', { text: fieldLabel(field.path) }) : '',
              fieldLabel(field.path) ? ' ' : '',
              h('code', { text: field.path }),
              `: ${fieldText(field)}`,
            ),
          ),
        )
      : '',
    h(
      'details',
      { class: 'problem-details' },
      h('summary', { text: t('problem.details') }),
      h(
        'dl',
        {},
        h('dt', { text: t('problem.type') }),
        h('dd', {}, h('code', { text: error.type ?? '–' }), ` · HTTP ${error.status}`),
        error.title ? [h('dt', { text: t('problem.apiTitle') }), english(error.title)] : [],
        error.detail ? [h('dt', { text: t('problem.apiDetail') }), english(error.detail)] : [],
        fields.length
          ? [
              h('dt', { text: t('problem.apiFields') }),
              h(
                'dd',
                { lang: 'en' },
                h(
                  'ul',
                  {},
                  fields.map((field) => h('li', {}, h('code', { text: field.path }), `: ${field.message}`)),
                ),
              ),
            ]
          : [],
        error.requestId
          ? [h('dt', { text: t('problem.requestId') }), h('dd', {}, h('code', { text: error.requestId }))]
          : [],
      ),
    ),
  ];
}

/** An invalid field in the page's language, from its zod issue code and limits (not the API's English). */
function fieldText(field) {
  const { key, params = {} } = fieldMessageKey(field);
  const number = (value) => (typeof value === 'number' ? formatCount(value) : value);
  return t(key, { ...params, limit: number(params.limit), divisor: number(params.divisor) });
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
  subject: 'audit.subject',
  agency: 'common.agency',
  from: 'usage.from',
  to: 'usage.to',
  granularity: 'usage.granularity',
  officer: 'myCalls.officer',
  case: 'myCalls.case',
};
function fieldLabel(path) {
  const [head, op] = path.split('.');
  if ((head === 'tiersVnd' || head === 'unitPricesVnd') && OPERATIONS.includes(op)) {
    return t(head === 'tiersVnd' ? 'plans.tiersFor' : 'plans.unitPrice', { op: opName(op) });
  }
  return FIELD_LABELS[path] ? t(FIELD_LABELS[path]) : undefined;
}

export function clearMessages() {
  shown = undefined;
  $('alert').hidden = true;
  $('alert').replaceChildren();
  $('notice').textContent = '';
}

export const notify = (text) => {
  $('notice').textContent = text;
};

/**
 * Runs `work` with the page marked busy and a progress bar saying what is happening; errors are shown, with
 * `failed` and `problems` as showError takes them (`busy(label, work, { failed: 'plans.saveFailed' })`).
 */
export async function busy(label, work, { button, failed, problems } = {}) {
  const page = state.page ? $(`page-${state.page}`) : $('page-signin');
  page?.setAttribute('aria-busy', 'true');
  $('busy-label').textContent = label;
  $('busy').hidden = false;
  if (button) button.disabled = true;
  try {
    return await work();
  } catch (error) {
    // An expired session has already signed the user out with "session expired": that is the message to keep.
    if (!(error instanceof ApiError && error.expired && !state.session))
      showError(error, { failed, problems });
    return undefined;
  } finally {
    page?.removeAttribute('aria-busy');
    $('busy').hidden = true;
    if (button) button.disabled = false;
  }
}

/**
 * Marks a new load of `what` and returns whether it is still the newest: an older answer that arrives late
 * (the agency was changed again meanwhile) must not overwrite a newer one, and an answer to a session that
 * has since signed out must never be shown to the next one (sign-in makes a new session object).
 */
const loads = {};
export function newest(what) {
  const n = (loads[what] ?? 0) + 1;
  loads[what] = n;
  const session = state.session;
  return () => loads[what] === n && state.session === session;
}

/** The value of a typed day or month input as the API wants it; throws a message naming what is wrong. */
export function typed(id, granularity) {
  const text = $(id).value;
  const value = granularity === 'day' ? parseDay(text) : parseMonth(text);
  if (!value) throw said(granularity === 'day' ? 'input.badDay' : 'input.badMonth', { value: text });
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
