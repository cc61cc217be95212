/**
 * The console's shell: sign-in and sign-out, the language, hash routing, and the pages of pages/registry.js
 * (admin: agencies and their budget caps, credentials, entitlements, plans; billing:read: usage, statements,
 * budgets; audit:read: the audit trail), whose nav links and sections it builds. Plain DOM, no framework; every
 * piece of text comes from the catalogue, every number and date through format.js.
 */
import { renderAgencySelects } from './agency-cache.js';
import { createApi } from './api.js';
import { LANGUAGES } from './catalogue.js';
import { dismissConfirm } from './confirm.js';
import { api, opName, scopeName, state, t, useApi } from './context.js';
import { pages } from './pages/registry.js';
import { initSecretDialog } from './secret.js';
import { $, busy, clearMessages, h, renderAlert, said, showError } from './ui.js';

const byId = new Map(pages.map((page) => [page.id, page]));

useApi(
  createApi(document.baseURI, () => {
    if (!state.session) return;
    signOut();
    showError(said('session.expired'));
  }),
);

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
      scopes: state.session.scopes.map(scopeName).join(', '),
    });
  }
  renderAgencySelects();
  renderCurrent();
  renderAlert();
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
  const signedIn = await busy(t('common.loading'), () => api.signIn(clientId, secret), {
    failed: 'signin.failed',
  });
  if (!signedIn) return;
  $('signin-secret').value = '';
  const scopes = signedIn.scopes;
  if (!pages.some((page) => grants(page, scopes))) {
    api.signOut();
    showError(said('signin.noScopes'));
    return;
  }
  state.session = { clientId, scopes };
  $('session').hidden = false;
  $('nav').hidden = false;
  for (const link of document.querySelectorAll('#nav a')) {
    link.parentElement.hidden = !grants(byId.get(link.dataset.page), scopes);
  }
  applyLanguage();
  const wanted = location.hash.slice(1);
  const page = allowed(wanted) ? wanted : pages.find((candidate) => allowed(candidate.id))?.id;
  history.replaceState(null, '', `#${page}`);
  showPage(page);
});

/** Whether `scopes` hold any one of the scopes that grant `page`, and none of those that withhold it. */
const grants = (page, scopes) =>
  page.scopes.some((scope) => scopes.includes(scope)) &&
  !(page.notWith ?? []).some((scope) => scopes.includes(scope));
const allowed = (id) => Boolean(state.session && byId.has(id) && grants(byId.get(id), state.session.scopes));

function signOut() {
  dismissConfirm();
  api.signOut();
  state.session = undefined;
  state.page = undefined;
  state.agencies.clear();
  for (const page of pages) page.reset?.();
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
  byId.get(page).load();
}

function renderCurrent() {
  if (!state.page) return;
  byId.get(state.page)?.render();
}

// The pages: a nav link and a section each, in registry order, then their listeners.

$('nav-list').replaceChildren(
  ...pages.map((page) =>
    h(
      'li',
      {},
      h('a', { href: `#${page.id}`, 'data-page': page.id, 'data-i18n': page.nav, text: t(page.nav) }),
    ),
  ),
);
for (const page of pages) $('main').insertAdjacentHTML('beforeend', page.markup);
initSecretDialog();
for (const page of pages) page.init();
applyLanguage();
