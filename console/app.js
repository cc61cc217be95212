/**
 * The console: sign-in, then the pages the token's scopes allow (admin: agencies and their budget caps,
 * credentials, entitlements, plans; billing:read: usage, statements, budgets; audit:read: the audit trail). Plain DOM, no framework; every
 * piece of text comes from i18n.js, every number and date through format.js.
 */
import { ApiError, createApi } from './api.js';
import { recordLeafHash, verifyAuditProof } from './audit-proof.js';
import {
  dayOf,
  dayOfSeconds,
  formatCount,
  formatDate,
  formatDateTime,
  formatDay,
  formatPeriod,
  formatVnd,
  parseDay,
  parseList,
  parseMonth,
  periodOf,
  shiftPeriod,
  spacedTicks,
  usageSeries,
  usageTotals,
} from './format.js';
import {
  joinCsvPages,
  neutraliseCsv,
  parseInteger,
  parseJwk,
  parseTiers,
  sortBudgets,
  tierRanges,
} from './forms.js';
import { LANGUAGES, translate } from './i18n.js';
import { StatementVerificationError, verifySignedStatement } from './verify.js';

const OPERATIONS = ['citizen:read', 'citizen:verify', 'business:read', 'business:search'];
const SCOPES = [...OPERATIONS, 'self:read', 'admin', 'billing:read', 'billing:close', 'audit:read'];
const PAGES = {
  agencies: 'admin',
  credentials: 'admin',
  entitlements: 'admin',
  plans: 'admin',
  usage: 'billing:read',
  statements: 'billing:read',
  budgets: 'billing:read',
  audit: 'audit:read',
};
const PALETTE = ['#0b5cad', '#a1261b', '#1b6b34', '#8a4b00', '#6a1b9a', '#00616e', '#5c5c00', '#9c0f5f'];

const $ = (id) => document.getElementById(id);

const state = {
  lang: 'vi',
  session: undefined,
  page: undefined,
  /** Agencies by id, once an admin or finance page has read them (names for tables and selects). */
  agencies: new Map(),
  agencyCursor: undefined,
  credentials: undefined,
  auditVerify: undefined,
  plans: [],
  usage: undefined,
  summary: undefined,
  statement: undefined,
  budgets: undefined,
  audit: undefined,
  chart: undefined,
};

const t = (key, params) => translate(state.lang, key, params);
const opName = (operation) => t(`op.${operation}`);
/** `CODE · Name` for admins; finance, who cannot list agencies, knows names from the month summaries only. */
const agencyText = (agency) => (agency.code ? `${agency.code} · ${agency.name}` : agency.name);
const agencyLabel = (id) => {
  const agency = state.agencies.get(id);
  return agency ? agencyText(agency) : id;
};

const api = createApi(document.baseURI, () => {
  if (!state.session) return;
  signOut();
  showError(t('session.expired'));
});

/** An element with attributes (`text` sets textContent, `on*` adds a listener) and children. */
function h(tag, attrs = {}, ...children) {
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

const cell = (text, className) => h('td', { text: String(text ?? ''), class: className });
const badge = (status) => h('span', { class: `badge ${status}`, text: t(`status.${status}`) });

function fillRows(table, rows, columns) {
  const body = table.tBodies[0];
  body.replaceChildren(
    ...(rows.length ? rows : [h('tr', {}, h('td', { colspan: String(columns), text: t('common.none') }))]),
  );
}

// Messages, errors and progress.

function showError(error) {
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

function clearMessages() {
  $('alert').hidden = true;
  $('alert').replaceChildren();
  $('notice').textContent = '';
}

const notify = (text) => {
  $('notice').textContent = text;
};

/** Runs `work` with the page marked busy and a progress bar saying what is happening; errors are shown. */
async function busy(label, work, { button } = {}) {
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

// Language.

function applyLanguage() {
  document.documentElement.lang = state.lang;
  for (const element of document.querySelectorAll('[data-i18n]')) {
    const params = element.dataset.op ? { op: opName(element.dataset.op) } : undefined;
    element.textContent = t(element.dataset.i18n, params);
  }
  for (const element of document.querySelectorAll('[data-i18n-label]')) {
    element.setAttribute('aria-label', t(element.dataset.i18nLabel));
  }
  $('lang').value = state.lang;
  if (state.session) {
    $('who').textContent = t('session.signedInAs', {
      client: state.session.clientId,
      scopes: state.session.scopes.join(' '),
    });
  }
  renderAgencySelects();
  renderCurrent();
}

$('lang').addEventListener('change', (event) => {
  if (LANGUAGES.includes(event.target.value)) state.lang = event.target.value;
  applyLanguage();
});

// Session and navigation.

$('signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  clearMessages();
  const clientId = $('signin-client').value.trim();
  const secret = $('signin-secret').value;
  const signedIn = await busy(t('common.loading'), async () => {
    try {
      return await api.signIn(clientId, secret);
    } catch (error) {
      if (error instanceof ApiError) throw t('signin.failed', { detail: error.detail ?? error.title });
      throw error;
    }
  });
  if (!signedIn) return;
  $('signin-secret').value = '';
  const scopes = signedIn.scopes;
  if (!Object.values(PAGES).some((scope) => scopes.includes(scope))) {
    api.signOut();
    showError(t('signin.noScopes'));
    return;
  }
  state.session = { clientId, scopes };
  $('session').hidden = false;
  $('nav').hidden = false;
  for (const link of document.querySelectorAll('#nav a')) {
    link.parentElement.hidden = !scopes.includes(PAGES[link.dataset.page]);
  }
  applyLanguage();
  const wanted = location.hash.slice(1);
  const page = allowed(wanted) ? wanted : Object.keys(PAGES).find((name) => allowed(name));
  history.replaceState(null, '', `#${page}`);
  showPage(page);
});

const allowed = (page) => Boolean(state.session && PAGES[page] && state.session.scopes.includes(PAGES[page]));
const can = (scope) => Boolean(state.session?.scopes.includes(scope));

function signOut() {
  api.signOut();
  state.session = undefined;
  state.page = undefined;
  state.agencies.clear();
  state.usage = state.summary = state.statement = state.budgets = state.audit = undefined;
  state.chart?.destroy();
  state.chart = undefined;
  for (const page of document.querySelectorAll('.page')) page.hidden = page.id !== 'page-signin';
  $('session').hidden = true;
  $('nav').hidden = true;
  clearMessages();
  $('signin-client').focus();
}

$('sign-out').addEventListener('click', () => {
  signOut();
  history.replaceState(null, '', location.pathname + location.search);
});

window.addEventListener('hashchange', () => {
  const page = location.hash.slice(1);
  if (allowed(page)) showPage(page);
});

function showPage(page) {
  clearMessages();
  state.page = page;
  for (const section of document.querySelectorAll('.page')) section.hidden = section.id !== `page-${page}`;
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.dataset.page === page) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  $(`h-${page}`).setAttribute('tabindex', '-1');
  $(`h-${page}`).focus();
  loaders[page]();
}

function renderCurrent() {
  if (!state.page) return;
  renderers[state.page]?.();
}

/**
 * Marks a new load of `what` and returns whether it is still the newest: an older answer that arrives late
 * (the agency was changed again meanwhile) must not overwrite a newer one.
 */
const loads = {};
function newest(what) {
  const n = (loads[what] ?? 0) + 1;
  loads[what] = n;
  return () => loads[what] === n;
}

// Agencies, shared by the admin pages' selects.

async function loadAgencies({ more = false } = {}) {
  const query = new URLSearchParams({ limit: '100' });
  if (more && state.agencyCursor) query.set('cursor', state.agencyCursor);
  if (!more) state.agencies.clear();
  const page = await api.json('GET', `admin/agencies?${query}`);
  for (const agency of page.items) state.agencies.set(agency.id, agency);
  state.agencyCursor = page.cursor;
  renderAgencySelects();
}

function renderAgencySelects() {
  for (const select of document.querySelectorAll('select.agency-select')) {
    const current = select.value;
    select.replaceChildren(
      h('option', { value: '', text: t('common.chooseAgency') }),
      ...[...state.agencies.values()].map((agency) =>
        h('option', { value: agency.id, text: agencyText(agency) }),
      ),
    );
    if (state.agencies.has(current)) select.value = current;
  }
}

function renderAgencies() {
  const rows = [...state.agencies.values()].map((agency) =>
    h(
      'tr',
      { 'data-agency': agency.code },
      cell(agency.code, 'mono'),
      cell(agency.name),
      h('td', {}, badge(agency.status)),
      cell(agency.planCode ? `${agency.planCode} v${agency.planVersion}` : '–'),
      h(
        'td',
        { 'data-budget': agency.budget ? String(agency.budget.capVnd) : '' },
        agency.budget
          ? t(agency.budget.enforce ? 'agencies.budgetEnforced' : 'agencies.budgetWarned', {
              cap: formatVnd(agency.budget.capVnd),
            })
          : '–',
      ),
      cell(formatDate(agency.createdAt)),
      h(
        'td',
        {},
        agency.status === 'active'
          ? h('button', {
              type: 'button',
              class: 'danger',
              text: t('agencies.suspend', { code: agency.code }),
              onclick: (event) => setAgencyStatus(agency, 'suspended', event.currentTarget),
            })
          : h('button', {
              type: 'button',
              class: 'secondary',
              text: t('agencies.reactivate', { code: agency.code }),
              onclick: (event) => setAgencyStatus(agency, 'active', event.currentTarget),
            }),
      ),
    ),
  );
  fillRows($('agencies-table'), rows, 7);
  $('agencies-more').hidden = !state.agencyCursor;
}

async function setAgencyStatus(agency, status, button) {
  clearMessages();
  const updated = await busy(
    t('common.loading'),
    () => api.json('PATCH', `admin/agencies/${agency.id}`, { status }),
    { button },
  );
  if (!updated) return;
  state.agencies.set(updated.id, updated);
  renderAgencies();
  notify(t(status === 'active' ? 'agencies.reactivated' : 'agencies.suspended', { code: updated.code }));
}

$('agency-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  clearMessages();
  const body = { code: $('agency-code').value.trim(), name: $('agency-name').value.trim() };
  const created = await busy(t('common.loading'), () => api.json('POST', 'admin/agencies', body), {
    button: event.submitter,
  });
  if (!created) return;
  state.agencies.set(created.id, created);
  renderAgencies();
  renderAgencySelects();
  event.target.reset();
  notify(t('agencies.created', { code: created.code }));
});

/** The budget form shows the chosen agency's current cap, so saving again changes only what is edited. */
$('budget-agency').addEventListener('change', () => {
  const budget = state.agencies.get($('budget-agency').value)?.budget;
  $('budget-cap').value = budget ? formatCount(budget.capVnd) : '';
  $(budget?.enforce ? 'budget-enforce' : 'budget-warn').checked = true;
});

$('budget-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  clearMessages();
  const agencyId = $('budget-agency').value;
  if (!agencyId) return showError(t('credentials.pickAgency'));
  const text = $('budget-cap').value.trim();
  const capVnd = text ? parseInteger(text) : null;
  if (capVnd === undefined) {
    $('budget-cap').setAttribute('aria-invalid', 'true');
    $('budget-cap').focus();
    return showError(t('budget.badCap', { value: text }));
  }
  $('budget-cap').removeAttribute('aria-invalid');
  const enforce = $('budget-enforce').checked;
  const updated = await busy(
    t('common.loading'),
    () => api.json('PUT', `admin/agencies/${agencyId}/budget`, { capVnd, enforce }),
    { button: event.submitter },
  );
  if (!updated) return;
  state.agencies.set(updated.id, updated);
  renderAgencies();
  notify(
    capVnd === null
      ? t('budget.removed', { code: updated.code })
      : t('budget.saved', { cap: formatVnd(capVnd), code: updated.code }),
  );
});

$('agencies-more').addEventListener('click', () =>
  busy(t('common.loading'), async () => {
    await loadAgencies({ more: true });
    renderAgencies();
  }),
);

// Credentials.

function renderScopeChecks() {
  const box = $('cred-scopes');
  const checked = new Set([...box.querySelectorAll('input:checked')].map((input) => input.value));
  box.replaceChildren(
    ...SCOPES.map((scope) =>
      h(
        'label',
        {},
        h('input', { type: 'checkbox', name: 'scope', value: scope, checked: checked.has(scope) }),
        h(
          'span',
          {},
          h('code', { text: scope }),
          ` ${t(OPERATIONS.includes(scope) ? `op.${scope}` : `scope.${scope}`)}`,
        ),
      ),
    ),
  );
}

async function loadCredentials() {
  const agencyId = $('cred-agency').value;
  if (!agencyId) {
    state.credentials = undefined;
    renderCredentials();
    return;
  }
  const current = newest('credentials');
  const { items } = await api.json('GET', `admin/agencies/${agencyId}/credentials`);
  if (!current()) return;
  state.credentials = items;
  renderCredentials();
}

function renderCredentials() {
  renderScopeChecks();
  const table = $('cred-table');
  if (!state.credentials) {
    table.tBodies[0].replaceChildren(
      h('tr', {}, h('td', { colspan: '6', text: t('credentials.pickAgency') })),
    );
    return;
  }
  const rows = state.credentials.map((credential) =>
    h(
      'tr',
      { 'data-client': credential.clientId, 'data-method': credential.authMethod },
      cell(credential.clientId, 'mono'),
      cell(credential.scopes.join(' '), 'mono'),
      cell(
        credential.publicJwk
          ? `${t(`method.${credential.authMethod}`)} · ${t('credentials.key', {
              kty: String(credential.publicJwk.kty ?? ''),
              crv: credential.publicJwk.crv ? ` ${credential.publicJwk.crv}` : '',
            })}`
          : t(`method.${credential.authMethod}`),
      ),
      h('td', {}, badge(credential.status)),
      cell(formatDate(credential.createdAt)),
      h(
        'td',
        {},
        credential.status === 'active' && credential.authMethod === 'client_secret'
          ? h('button', {
              type: 'button',
              class: 'secondary',
              text: t('credentials.rotate', { client: credential.clientId }),
              onclick: (event) => rotateCredential(credential, event.currentTarget),
            })
          : undefined,
        credential.status === 'active'
          ? h('button', {
              type: 'button',
              class: 'danger',
              text: t('credentials.revoke', { client: credential.clientId }),
              onclick: (event) => revokeCredential(credential, event.currentTarget),
            })
          : undefined,
      ),
    ),
  );
  fillRows(table, rows, 6);
}

$('cred-agency').addEventListener('change', () => busy(t('common.loading'), loadCredentials));

$('cred-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  clearMessages();
  const agencyId = $('cred-agency').value;
  const scopes = [...$('cred-scopes').querySelectorAll('input:checked')].map((input) => input.value);
  if (!agencyId) return showError(t('credentials.pickAgency'));
  if (!scopes.length) return showError(t('credentials.pickScope'));
  const withKey = $('cred-method-jwk').checked;
  const body = { scopes };
  if (withKey) {
    const parsed = parseJwk($('cred-jwk').value);
    if (parsed.error) {
      $('cred-jwk').setAttribute('aria-invalid', 'true');
      $('cred-jwk').focus();
      return showError(t(`jwk.${parsed.error.code}`, { detail: parsed.error.detail }));
    }
    $('cred-jwk').removeAttribute('aria-invalid');
    body.publicJwk = parsed.jwk;
  }
  const issued = await busy(
    t('common.loading'),
    () => api.json('POST', `admin/agencies/${agencyId}/credentials`, body),
    { button: event.submitter },
  );
  if (!issued) return;
  for (const input of $('cred-scopes').querySelectorAll('input:checked')) input.checked = false;
  if (withKey) {
    $('cred-jwk').value = '';
    notify(t('credentials.jwkIssued', { client: issued.clientId }));
  } else {
    showSecret(issued.clientId, issued.clientSecret);
  }
  await busy(t('common.loading'), loadCredentials);
});

for (const radio of document.querySelectorAll('input[name="cred-method"]')) {
  radio.addEventListener('change', () => {
    $('cred-jwk-box').hidden = !$('cred-method-jwk').checked;
  });
}

async function rotateCredential(credential, button) {
  clearMessages();
  const rotated = await busy(
    t('common.loading'),
    () => api.json('POST', `admin/credentials/${credential.clientId}/rotate`),
    { button },
  );
  if (!rotated) return;
  showSecret(rotated.clientId, rotated.clientSecret, rotated.previousSecretExpiresAt);
  await busy(t('common.loading'), loadCredentials);
}

async function revokeCredential(credential, button) {
  clearMessages();
  const revoked = await busy(
    t('common.loading'),
    () => api.json('DELETE', `admin/credentials/${credential.clientId}`),
    { button },
  );
  if (!revoked) return;
  notify(t('credentials.revoked', { client: credential.clientId }));
  await busy(t('common.loading'), loadCredentials);
}

/** The copy-once dialog: the secret exists in the page only while it is open. */
function showSecret(clientId, secret, previousExpiresAt) {
  $('secret-client').value = clientId;
  $('secret-value').value = secret ?? '';
  $('secret-copy-status').textContent = '';
  $('secret-overlap').hidden = !previousExpiresAt;
  $('secret-overlap').textContent = previousExpiresAt
    ? t('secret.overlap', { time: formatDateTime(previousExpiresAt) })
    : '';
  $('secret-copy').disabled = false;
  $('secret-dialog').showModal();
  $('secret-value').focus();
  $('secret-value').select();
}

$('secret-copy').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText($('secret-value').value);
    $('secret-copy-status').textContent = t('secret.copied');
    $('secret-copy').disabled = true;
  } catch {
    $('secret-value').select();
    $('secret-copy-status').textContent = t('secret.copyFailed');
  }
});

function forgetSecret() {
  $('secret-value').value = '';
  $('secret-client').value = '';
  $('secret-copy-status').textContent = '';
}

$('secret-close').addEventListener('click', () => {
  forgetSecret();
  $('secret-dialog').close();
});
// Escape closes the dialog too; its close event comes a task later.
$('secret-dialog').addEventListener('close', forgetSecret);

// Entitlements.

function renderEntitlementRows() {
  const rows = $('ent-rows');
  const values = new Map(
    OPERATIONS.map((op) => [
      op,
      {
        on: $(`ent-on-${slug(op)}`)?.checked ?? false,
        purposes: $(`ent-purposes-${slug(op)}`)?.value ?? '',
        fields: $(`ent-fields-${slug(op)}`)?.value ?? '',
        covert: $(`ent-covert-${slug(op)}`)?.value ?? '',
      },
    ]),
  );
  rows.replaceChildren(
    ...OPERATIONS.map((op) => {
      const id = slug(op);
      const value = values.get(op);
      return h(
        'fieldset',
        {},
        h('legend', {}, h('code', { text: op }), ` ${opName(op)}`),
        h(
          'label',
          { class: 'check' },
          h('input', { type: 'checkbox', id: `ent-on-${id}`, checked: value.on }),
          h('span', { text: t('entitlements.enabled', { op: opName(op) }) }),
        ),
        h(
          'div',
          { class: 'grid' },
          h(
            'div',
            { class: 'field' },
            h('label', { for: `ent-purposes-${id}`, text: t('entitlements.purposes') }),
            h('input', {
              id: `ent-purposes-${id}`,
              value: value.purposes,
              autocomplete: 'off',
              spellcheck: 'false',
            }),
          ),
          h(
            'div',
            { class: 'field' },
            h('label', { for: `ent-fields-${id}`, text: t('entitlements.fields') }),
            h('input', {
              id: `ent-fields-${id}`,
              value: value.fields,
              autocomplete: 'off',
              spellcheck: 'false',
            }),
          ),
          h(
            'div',
            { class: 'field' },
            h('label', { for: `ent-covert-${id}`, text: t('entitlements.covertUntil') }),
            h('input', {
              id: `ent-covert-${id}`,
              value: value.covert,
              inputmode: 'numeric',
              autocomplete: 'off',
              'aria-describedby': 'ent-covert-hint',
            }),
          ),
        ),
      );
    }),
  );
}

const slug = (op) => op.replace(':', '-');

async function loadEntitlements() {
  const agencyId = $('ent-agency').value;
  renderEntitlementRows();
  const current = newest('entitlements');
  const { entitlements } = agencyId
    ? await api.json('GET', `admin/agencies/${agencyId}/entitlements`)
    : { entitlements: [] };
  if (!current()) return;
  for (const op of OPERATIONS) {
    const entitlement = entitlements.find((e) => e.operation === op);
    $(`ent-on-${slug(op)}`).checked = Boolean(entitlement);
    $(`ent-purposes-${slug(op)}`).value = entitlement?.purposes.join(', ') ?? '';
    $(`ent-fields-${slug(op)}`).value = entitlement?.fields?.join(', ') ?? '';
    $(`ent-covert-${slug(op)}`).value = entitlement?.covertUntil ? formatDay(entitlement.covertUntil) : '';
  }
}

$('ent-agency').addEventListener('change', () => busy(t('common.loading'), loadEntitlements));

$('ent-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  clearMessages();
  const agencyId = $('ent-agency').value;
  if (!agencyId) return showError(t('credentials.pickAgency'));
  const entitlements = [];
  for (const op of OPERATIONS) {
    if (!$(`ent-on-${slug(op)}`).checked) continue;
    const purposes = parseList($(`ent-purposes-${slug(op)}`).value);
    if (!purposes.length) return showError(t('entitlements.needPurpose', { op: opName(op) }));
    const fields = parseList($(`ent-fields-${slug(op)}`).value);
    const covertText = $(`ent-covert-${slug(op)}`).value.trim();
    const covertUntil = covertText ? parseDay(covertText) : undefined;
    if (covertText && !covertUntil) return showError(t('input.badDay', { value: covertText }));
    entitlements.push({
      operation: op,
      purposes,
      ...(fields.length ? { fields } : {}),
      ...(covertUntil ? { covertUntil } : {}),
    });
  }
  const saved = await busy(
    t('common.loading'),
    () => api.json('PUT', `admin/agencies/${agencyId}/entitlements`, { entitlements }),
    { button: event.submitter },
  );
  if (saved) notify(t('entitlements.saved', { code: state.agencies.get(agencyId)?.code ?? agencyId }));
});

// Plans.

function renderPriceInputs() {
  const tiers = new Map(OPERATIONS.map((op) => [op, $(`plan-tiers-${slug(op)}`)?.value ?? '']));
  $('plan-tiers').replaceChildren(
    ...OPERATIONS.map((op) =>
      h(
        'div',
        { class: 'field' },
        h('label', { for: `plan-tiers-${slug(op)}`, text: t('plans.tiersFor', { op: opName(op) }) }),
        h('input', {
          id: `plan-tiers-${slug(op)}`,
          value: tiers.get(op),
          autocomplete: 'off',
          spellcheck: 'false',
          'aria-describedby': 'plan-tiers-hint',
        }),
      ),
    ),
  );
  const box = $('plan-prices');
  const values = new Map(OPERATIONS.map((op) => [op, $(`plan-price-${slug(op)}`)?.value ?? '0']));
  box.replaceChildren(
    ...OPERATIONS.map((op) =>
      h(
        'div',
        { class: 'field' },
        h('label', { for: `plan-price-${slug(op)}`, text: t('plans.unitPrice', { op: opName(op) }) }),
        h('input', {
          id: `plan-price-${slug(op)}`,
          type: 'number',
          min: '0',
          step: '1',
          value: values.get(op),
        }),
      ),
    ),
  );
}

function renderPlans() {
  renderPriceInputs();
  const rows = state.plans.map((plan) =>
    h(
      'tr',
      { 'data-plan': plan.code },
      cell(plan.code, 'mono'),
      cell(plan.name),
      cell(plan.version, 'num'),
      cell(
        t('plans.perSecondUnit', {
          rate: formatCount(plan.rateLimit.perSecond),
          burst: formatCount(plan.rateLimit.burst),
        }),
      ),
      cell(formatCount(plan.monthlyQuota), 'num'),
      cell(formatCount(plan.includedCalls), 'num'),
      cell(formatVnd(plan.monthlyFeeVnd), 'num'),
      cell(
        Object.entries(plan.unitPricesVnd)
          .map(([op, price]) => `${opName(op)}: ${formatVnd(price)}`)
          .join('; ') || '–',
      ),
      h('td', {}, planTiers(plan)),
    ),
  );
  fillRows($('plans-table'), rows, 9);
  const select = $('assign-plan');
  const current = select.value;
  select.replaceChildren(
    h('option', { value: '', text: t('plans.plan') }),
    ...state.plans.map((plan) => h('option', { value: plan.code, text: `${plan.code} · ${plan.name}` })),
  );
  select.value = current;
}

/** A plan's tiers, one list item per operation: `Citizen lookup: calls 1–10.000: 500 ₫; from call 10.001: 300 ₫`. */
function planTiers(plan) {
  const entries = Object.entries(plan.tiersVnd ?? {}).filter(([, tiers]) => tiers?.length);
  if (!entries.length) return '–';
  return h(
    'ul',
    { class: 'plain' },
    entries.map(([op, tiers]) =>
      h('li', {
        'data-tiers': op,
        text: `${opName(op)}: ${tierRanges(tiers)
          .map((range) =>
            range.to === undefined
              ? t('plans.tierOpen', { from: formatCount(range.from), price: formatVnd(range.priceVnd) })
              : t('plans.tierRange', {
                  from: formatCount(range.from),
                  to: formatCount(range.to),
                  price: formatVnd(range.priceVnd),
                }),
          )
          .join('; ')}`,
      }),
    ),
  );
}

async function loadPlans() {
  state.plans = (await api.json('GET', 'admin/plans')).items;
  renderPlans();
}

const integer = (id) => Number.parseInt($(id).value, 10);

$('plan-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  clearMessages();
  const unitPricesVnd = {};
  for (const op of OPERATIONS) {
    const price = integer(`plan-price-${slug(op)}`);
    if (price > 0) unitPricesVnd[op] = price;
  }
  const tiersVnd = {};
  for (const op of OPERATIONS) {
    const input = $(`plan-tiers-${slug(op)}`);
    const parsed = parseTiers(input.value);
    if (parsed.error) {
      const params = { ...parsed.error.params };
      for (const key of ['value', 'previous']) {
        if (typeof params[key] === 'number') params[key] = formatCount(params[key]);
      }
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return showError(
        t('plans.tierError', { op: opName(op), reason: t(`tiers.${parsed.error.code}`, params) }),
      );
    }
    input.removeAttribute('aria-invalid');
    if (parsed.tiers.length) tiersVnd[op] = parsed.tiers;
  }
  const body = {
    code: $('plan-code').value.trim(),
    name: $('plan-name').value.trim(),
    rateLimit: { perSecond: integer('plan-rate'), burst: integer('plan-burst') },
    monthlyQuota: integer('plan-quota'),
    includedCalls: integer('plan-included'),
    monthlyFeeVnd: integer('plan-fee'),
    unitPricesVnd,
    ...(Object.keys(tiersVnd).length ? { tiersVnd } : {}),
  };
  const saved = await busy(t('common.loading'), () => api.json('POST', 'admin/plans', body), {
    button: event.submitter,
  });
  if (!saved) return;
  await busy(t('common.loading'), loadPlans);
  notify(t('plans.saved', { code: saved.code, version: saved.version }));
});

$('assign-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  clearMessages();
  const agencyId = $('assign-agency').value;
  const planCode = $('assign-plan').value;
  const updated = await busy(
    t('common.loading'),
    () => api.json('PUT', `admin/agencies/${agencyId}/plan`, { planCode }),
    { button: event.submitter },
  );
  if (!updated) return;
  state.agencies.set(updated.id, updated);
  notify(t('plans.assigned', { plan: planCode, code: updated.code }));
});

// Usage.

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

/** The value of a typed day or month input as the API wants it, or an error message naming what is wrong. */
function typed(id, granularity) {
  const text = $(id).value;
  const value = granularity === 'day' ? parseDay(text) : parseMonth(text);
  if (!value) throw t(granularity === 'day' ? 'input.badDay' : 'input.badMonth', { value: text });
  return value;
}

$('usage-granularity').addEventListener('change', (event) => setUsageInputs(event.target.value, true));

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
  state.usage = usage;
  renderUsageAgencies();
  renderUsage();
}

function renderUsage() {
  renderUsageAgencies();
  if (!state.usage) return;
  const { items, granularity } = state.usage;
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
  drawChart(usageSeries(state.usage, groupBy), granularity, groupBy);
}

function drawChart(data, granularity, groupBy) {
  const box = $('usage-chart');
  state.chart?.destroy();
  state.chart = undefined;
  box.replaceChildren();
  $('usage-empty').hidden = data.x.length > 0;
  if (!data.x.length || typeof uPlot === 'undefined') return;
  const label = (seconds) => {
    const day = dayOfSeconds(seconds);
    return granularity === 'day' ? formatDay(day) : formatPeriod(day.slice(0, 7));
  };
  const step = granularity === 'day' ? 86_400 : 31 * 86_400;
  const width = Math.max(320, Math.min(box.clientWidth || 900, 1200));
  state.chart = new uPlot(
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

$('usage-form').addEventListener('submit', (event) => {
  event.preventDefault();
  clearMessages();
  busy(t('common.loading'), loadUsage, { button: event.submitter });
});
$('usage-group').addEventListener('change', () => renderUsage());

// Statements.

async function loadSummary() {
  const period = $('statements-month').value ? typed('statements-month', 'month') : periodOf(Date.now());
  $('statements-month').value = formatPeriod(period);
  const current = newest('summary');
  const summary = await api.json('GET', `billing/summary/${period}?top=100`);
  if (!current()) return;
  state.summary = summary;
  for (const agency of state.summary.agencies) {
    if (!state.agencies.has(agency.agencyId)) {
      state.agencies.set(agency.agencyId, { id: agency.agencyId, name: agency.agencyName });
    }
  }
  state.statement = undefined;
  newest('statement'); // a statement of the previous month still loading is no longer wanted
  renderStatements();
}

function renderStatements() {
  const summary = state.summary;
  const period = summary?.period;
  $('h-statements-summary').textContent = period
    ? t('statements.summary', { period: formatPeriod(period) })
    : '';
  $('close-box').hidden = !can('billing:close') || !period;
  $('close-month').textContent = period ? t('statements.close', { period: formatPeriod(period) }) : '';
  if (!summary) return;
  $('statements-total').textContent = t('statements.totalAll', { total: formatVnd(summary.totalVnd) });
  const rows = summary.agencies.map((agency) =>
    h(
      'tr',
      { 'data-agency-id': agency.agencyId },
      cell(agency.agencyName),
      h('td', {}, badge(agency.status)),
      cell(formatCount(agency.calls), 'num'),
      cell(formatCount(agency.billable), 'num'),
      cell(formatVnd(agency.totalVnd), 'num'),
      h(
        'td',
        {},
        h('button', {
          type: 'button',
          class: 'secondary',
          text: t('statements.view', { agency: agency.agencyName }),
          onclick: (event) =>
            busy(t('common.loading'), () => loadStatement(agency.agencyId, summary.period), {
              button: event.currentTarget,
            }),
        }),
      ),
    ),
  );
  fillRows($('statements-table'), rows, 6);
  renderStatement();
}

async function loadStatement(agencyId, period) {
  const current = newest('statement');
  const statement = await api.json('GET', `billing/statements/${period}?agency=${agencyId}`);
  if (!current()) return;
  state.statement = statement;
  $('verify-result').replaceChildren();
  renderStatement();
  $('h-statement').setAttribute('tabindex', '-1');
  $('h-statement').focus();
}

function renderStatement() {
  const detail = $('statement-detail');
  const current = state.statement;
  detail.hidden = !current;
  if (!current) return;
  const { statement, status, signed } = current;
  $('h-statement').textContent = t('statements.detail', {
    agency: statement.agencyName,
    period: formatPeriod(statement.period),
  });
  $('statement-status').replaceChildren(
    badge(status),
    signed ? ` ${t('statements.closedAt', { time: formatDateTime(signed.closedAt) })}` : '',
  );
  fillRows(
    $('statement-lines'),
    statement.lines.map((line) =>
      h(
        'tr',
        { 'data-operation': line.operation },
        cell(opName(line.operation)),
        cell(formatCount(line.calls), 'num'),
        cell(formatCount(line.billable), 'num'),
        cell(formatCount(line.included), 'num'),
        cell(formatCount(line.chargeable), 'num'),
        cell(formatVnd(line.amountVnd), 'num'),
      ),
    ),
    6,
  );
  const totals = [
    ['statements.usage', statement.usageVnd],
    ['statements.fee', statement.monthlyFeeVnd],
    ['statements.adjustments', statement.adjustmentsVnd],
    ['statements.subtotal', statement.subtotalVnd],
    ['statements.vat', statement.vatVnd, { percent: statement.vatPercent }],
    ['statements.grandTotal', statement.totalVnd],
  ];
  $('statement-totals').replaceChildren(
    ...totals.flatMap(([key, amount, params]) => [
      h('dt', { text: t(key, params) }),
      h('dd', { text: formatVnd(amount), 'data-total': key }),
    ]),
  );
  $('statement-verify').hidden = status !== 'closed';
}

$('statements-form').addEventListener('submit', (event) => {
  event.preventDefault();
  clearMessages();
  busy(t('common.loading'), loadSummary, { button: event.submitter });
});

$('close-month').addEventListener('click', async (event) => {
  clearMessages();
  const period = state.summary.period;
  const closed = await busy(
    t('statements.closing', { period: formatPeriod(period) }),
    () => api.json('POST', `billing/periods/${period}/close`),
    { button: event.currentTarget },
  );
  if (!closed) return;
  await busy(t('common.loading'), loadSummary);
  notify(t('statements.closed', { period: formatPeriod(period), count: closed.statements.length }));
});

$('statement-csv').addEventListener('click', async (event) => {
  clearMessages();
  const { statement } = state.statement;
  const text = await busy(
    t('common.loading'),
    () => api.text(`billing/statements/${statement.period}?agency=${statement.agencyId}`, 'text/csv'),
    { button: event.currentTarget },
  );
  if (text === undefined) return;
  const code = state.agencies.get(statement.agencyId)?.code ?? statement.agencyId;
  downloadBlob(csvBlob(text), `statement-${code.replace(/[^A-Za-z0-9-]/g, '_')}-${statement.period}.csv`);
});

/** The request ids behind the statement's lines, every page of the export as one CSV file. */
$('statement-entries').addEventListener('click', async (event) => {
  clearMessages();
  const { statement } = state.statement;
  const text = await busy(
    t('common.loading'),
    async () => {
      const pages = [];
      let cursor;
      do {
        const query = new URLSearchParams({ agency: statement.agencyId, limit: '1000' });
        if (cursor) query.set('cursor', cursor);
        const page = await api.csvPage(`billing/statements/${statement.period}/entries?${query}`);
        pages.push(page.text);
        cursor = page.next;
      } while (cursor && pages.length < 200);
      return joinCsvPages(pages);
    },
    { button: event.currentTarget },
  );
  if (text === undefined) return;
  const code = state.agencies.get(statement.agencyId)?.code ?? statement.agencyId;
  downloadBlob(csvBlob(text), `entries-${code.replace(/[^A-Za-z0-9-]/g, '_')}-${statement.period}.csv`);
});

/** A CSV file finance can open safely: no cell a spreadsheet would run as a formula, and the byte order mark. */
function csvBlob(text) {
  const safe = neutraliseCsv(text);
  // Response.text() drops the byte order mark, which spreadsheet programs need to read UTF-8.
  return new Blob([safe.startsWith('\uFEFF') ? safe : `\uFEFF${safe}`], { type: 'text/csv' });
}

function downloadBlob(blob, filename) {
  const link = h('a', { href: URL.createObjectURL(blob), download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

$('statement-verify').addEventListener('click', async (event) => {
  clearMessages();
  const { statement } = state.statement;
  const out = $('verify-result');
  out.replaceChildren();
  await busy(
    t('statements.verifying'),
    async () => {
      const [file, jwks] = await Promise.all([
        api.text(`billing/statements/${statement.period}/signed?agency=${statement.agencyId}`),
        api.publicText('.well-known/jwks.json'),
      ]);
      try {
        const verified = await verifySignedStatement(file, JSON.parse(jwks));
        out.replaceChildren(
          h('span', {
            class: 'ok',
            'data-verified': 'true',
            text: t('statements.verified', {
              kid: verified.kid,
              total: formatVnd(verified.totalVnd),
              sha: verified.sha256,
            }),
          }),
        );
      } catch (error) {
        if (!(error instanceof StatementVerificationError)) throw error;
        out.replaceChildren(
          h('span', {
            class: 'bad',
            'data-verified': 'false',
            text: t('statements.verifyFailed', { reason: t(`verify.${error.code}`) }),
          }),
        );
      }
    },
    { button: event.currentTarget },
  );
});

// Budgets.

async function loadBudgets() {
  const period = $('budgets-month').value ? typed('budgets-month', 'month') : periodOf(Date.now());
  $('budgets-month').value = formatPeriod(period);
  const current = newest('budgets');
  const budgets = await api.json('GET', `billing/budgets/${period}`);
  if (!current()) return;
  state.budgets = budgets;
  renderBudgets();
}

const STATE_SIGNS = { reached: '⛔', near: '⚠', within: '✓' };

function renderBudgets() {
  const budgets = state.budgets;
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

$('budgets-form').addEventListener('submit', (event) => {
  event.preventDefault();
  clearMessages();
  busy(t('common.loading'), loadBudgets, { button: event.submitter });
});

// Audit.

$('audit-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  clearMessages();
  const subject = $('audit-subject').value.trim();
  await busy(
    t('common.loading'),
    async () => {
      const page = await api.json('GET', `audit/events?${new URLSearchParams({ subject, limit: '200' })}`);
      if (can('admin') && !state.agencies.size) await loadAgencies();
      state.audit = { subject, items: page.items, receipts: new Map(), lastReceipt: undefined };
      renderAudit();
    },
    { button: event.submitter },
  );
});

function renderAudit() {
  const found = state.audit;
  $('h-audit-results').hidden = !found;
  $('audit-table').hidden = !found?.items.length;
  $('audit-none').hidden = !found || found.items.length > 0;
  renderReceiptResult();
  if (!found) return;
  $('h-audit-results').textContent = t('audit.results', { subject: found.subject });
  $('audit-none').textContent = t('audit.none', { subject: found.subject });
  const rows = found.items.map((record) =>
    h(
      'tr',
      { 'data-record': record.id, 'data-receipt': found.receipts.get(record.id)?.state },
      cell(formatDateTime(record.at)),
      cell(agencyLabel(record.actor.agencyId)),
      cell(record.actor.clientId, 'mono'),
      cell(OPERATIONS.includes(record.action) ? opName(record.action) : record.action),
      cell(record.purpose ?? '–', 'mono nowrap'),
      cell(record.officerId ?? '–', 'mono nowrap'),
      cell(`${t(`outcome.${record.outcome}`)}${record.status ? ` (${record.status})` : ''}`),
      h(
        'td',
        {},
        h('button', {
          type: 'button',
          class: 'secondary',
          text: t('audit.receiptVerify'),
          'aria-label': t('audit.receiptVerifyLabel', { id: record.id }),
          onclick: (event) => verifyReceipt(record, event.currentTarget),
        }),
        h('span', { class: 'receipt-state' }, receiptBadge(found.receipts.get(record.id))),
      ),
    ),
  );
  fillRows($('audit-table'), rows, 8);
}

const RECEIPT_BADGES = {
  ok: ['✓', 'audit.receiptOk'],
  bad: ['✗', 'audit.receiptBad'],
  waiting: ['…', 'audit.receiptWaiting'],
};

/** A row's receipt state in words and a sign, not by colour alone; nothing before it is checked. */
function receiptBadge(outcome) {
  if (!outcome) return '';
  const [sign, key] = RECEIPT_BADGES[outcome.state];
  return h(
    'span',
    { class: `badge receipt-${outcome.state}` },
    h('span', { 'aria-hidden': 'true', text: `${sign} ` }),
    t(key),
  );
}

/** The last receipt checked, said in full under the table (a live region, so it is announced). */
function renderReceiptResult() {
  const out = $('audit-receipt-result');
  const id = state.audit?.lastReceipt;
  const outcome = id && state.audit.receipts.get(id);
  if (!outcome) return out.replaceChildren();
  if (outcome.state === 'waiting') {
    return out.replaceChildren(
      h('span', { 'data-receipt': 'waiting', text: t('audit.receiptPending', { id }) }),
    );
  }
  if (outcome.state === 'bad') {
    return out.replaceChildren(
      h('span', {
        class: 'bad',
        'data-receipt': 'bad',
        'data-code': outcome.code,
        text: t('audit.receiptInvalid', { id, reason: t(`proof.${outcome.code}`) }),
      }),
    );
  }
  const { verified } = outcome;
  out.replaceChildren(
    h('span', {
      class: 'ok',
      'data-receipt': 'ok',
      text: t('audit.receiptValid', {
        id,
        leafIndex: formatCount(verified.leafIndex),
        treeSize: formatCount(verified.treeSize),
        time: formatDateTime(verified.timestamp),
        kid: verified.kid,
      }),
    }),
  );
}

/**
 * A record's receipt checked in the browser, trusting neither the page's server nor its store: the proof of
 * its leaf under a checkpoint signed by a published key, and the record as shown hashing to that leaf.
 */
async function checkReceipt(record) {
  const [proof, jwks] = await Promise.all([
    api.json('GET', `audit/log/proofs/${encodeURIComponent(record.id)}`).catch((error) => {
      // Not in the latest checkpoint yet: the sealer appends records within seconds of their call.
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }),
    api.publicText('.well-known/jwks.json'),
  ]);
  if (!proof) return { state: 'waiting' };
  const { leafHash: receipt, ...event } = record;
  const verified = await verifyAuditProof(proof, JSON.parse(jwks), receipt);
  if (!verified.ok) return { state: 'bad', code: verified.code };
  // The proof is of the receipt stored beside the record: an edit of the record itself shows here.
  if ((await recordLeafHash(event)) !== verified.leafHash) return { state: 'bad', code: 'recordChanged' };
  return { state: 'ok', verified };
}

async function verifyReceipt(record, button) {
  clearMessages();
  const found = state.audit;
  const outcome = await busy(t('audit.receiptVerifying', { id: record.id }), () => checkReceipt(record), {
    button,
  });
  if (!outcome || state.audit !== found) return;
  found.receipts.set(record.id, outcome);
  found.lastReceipt = record.id;
  // Only this row changes: the rest of the table, and the user's place in it, stay as they were.
  const row = [...$('audit-table').tBodies[0].rows].find((tr) => tr.dataset.record === record.id);
  row?.setAttribute('data-receipt', outcome.state);
  row?.querySelector('.receipt-state')?.replaceChildren(receiptBadge(outcome));
  renderReceiptResult();
}

$('audit-verify').addEventListener('click', async (event) => {
  clearMessages();
  const out = $('audit-verify-result');
  out.replaceChildren();
  await busy(
    t('audit.verifying'),
    async () => {
      const result = await api.json('GET', 'audit/verify');
      state.auditVerify = result;
      renderAuditVerify();
    },
    { button: event.currentTarget },
  );
});

/** Why the log is broken, from the API's code, in the page's language. */
const BROKEN_CODES = ['changed', 'missing', 'signature', 'root', 'consistency', 'tile'];
const brokenReason = (code) => t(`logBroken.${BROKEN_CODES.includes(code) ? code : 'other'}`);

function renderAuditVerify() {
  const result = state.auditVerify;
  if (!result) return;
  if (result.ok) {
    const upToDate = result.checked === 0 && result.pending === 0;
    $('audit-verify-result').replaceChildren(
      h('span', {
        class: 'ok',
        'data-ok': 'true',
        text: upToDate
          ? t('audit.upToDate', { treeSize: formatCount(result.treeSize) })
          : t('audit.ok', {
              checked: formatCount(result.checked),
              from: formatCount(result.from),
              treeSize: formatCount(result.treeSize),
              pending: formatCount(result.pending),
            }),
      }),
    );
    return;
  }
  const broken = result.firstBroken ?? {};
  const at = broken.leafIndex === undefined ? undefined : formatCount(broken.leafIndex);
  const key =
    at === undefined ? 'audit.brokenLog' : broken.id === undefined ? 'audit.brokenAt' : 'audit.broken';
  $('audit-verify-result').replaceChildren(
    h('span', {
      class: 'bad',
      'data-ok': 'false',
      text: t(key, { id: broken.id, leafIndex: at, reason: brokenReason(broken.code) }),
    }),
  );
}

// Page loaders (on navigation) and renderers (on a language switch, from what was loaded).

const loaders = {
  agencies: () =>
    busy(t('common.loading'), async () => {
      await loadAgencies();
      renderAgencies();
    }),
  credentials: () =>
    busy(t('common.loading'), async () => {
      if (!state.agencies.size) await loadAgencies();
      await loadCredentials();
    }),
  entitlements: () =>
    busy(t('common.loading'), async () => {
      if (!state.agencies.size) await loadAgencies();
      await loadEntitlements();
    }),
  plans: () =>
    busy(t('common.loading'), async () => {
      if (!state.agencies.size) await loadAgencies();
      await loadPlans();
    }),
  usage: () =>
    busy(t('common.loading'), async () => {
      if (can('admin') && !state.agencies.size) await loadAgencies();
      await loadUsage();
    }),
  statements: () => busy(t('common.loading'), loadSummary),
  budgets: () => busy(t('common.loading'), loadBudgets),
  audit: () => renderAudit(),
};

const renderers = {
  agencies: renderAgencies,
  credentials: renderCredentials,
  entitlements: renderEntitlementRows,
  plans: renderPlans,
  usage: renderUsage,
  statements: renderStatements,
  budgets: renderBudgets,
  audit: () => {
    renderAudit();
    renderAuditVerify();
  },
};

applyLanguage();
renderScopeChecks();
renderEntitlementRows();
renderPriceInputs();
