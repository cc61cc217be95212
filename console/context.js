/**
 * What every page shares: the signed-in session, the language, the agencies read so far and the gateway client.
 * No DOM access here (the tests import the pages in Node); the shell sets the client once the page has loaded.
 */
import { translate } from './i18n.js';

export const OPERATIONS = ['citizen:read', 'citizen:verify', 'business:read', 'business:search'];
/**
 * The platform operator agency (NDG-OPS), as shared/identity/admin-service.ts names it: the API never suspends it
 * and gives admin, billing and audit scopes to its credentials only.
 */
export const PLATFORM_AGENCY_ID = 'ag_platform';
/** Scopes only the operator agency's credentials may hold (PLATFORM_SCOPES in shared/identity/model.ts). */
export const PLATFORM_SCOPES = ['admin', 'billing:read', 'billing:close', 'audit:read'];

export const state = {
  lang: 'vi',
  session: undefined,
  page: undefined,
  /** Agencies by id, once an admin or finance page has read them (names for tables and selects). */
  agencies: new Map(),
  agencyCursor: undefined,
};

/** The gateway client (api.js), set by the shell with useApi: it needs the document's base URL. */
export let api;
export function useApi(client) {
  api = client;
}

export const t = (key, params) => translate(state.lang, key, params);
export const opName = (operation) => t(`op.${operation}`);
/** A scope in words: an operation by its name, any other scope by what it grants. */
export const scopeName = (scope) => t(OPERATIONS.includes(scope) ? `op.${scope}` : `scope.${scope}`);
export const can = (scope) => Boolean(state.session?.scopes.includes(scope));
/** `CODE · Name` for admins; finance, who cannot list agencies, knows names from the month summaries only. */
export const agencyText = (agency) => (agency.code ? `${agency.code} · ${agency.name}` : agency.name);
export const agencyLabel = (id) => {
  const agency = state.agencies.get(id);
  return agency ? agencyText(agency) : id;
};
