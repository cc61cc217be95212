/**
 * What every page shares: the signed-in session, the language, the agencies read so far and the gateway client.
 * No DOM access here (the tests import the pages in Node); the shell sets the client once the page has loaded.
 */
import { translate } from './i18n.js';

export const OPERATIONS = ['citizen:read', 'citizen:verify', 'business:read', 'business:search'];

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
export const can = (scope) => Boolean(state.session?.scopes.includes(scope));
/** `CODE · Name` for admins; finance, who cannot list agencies, knows names from the month summaries only. */
export const agencyText = (agency) => (agency.code ? `${agency.code} · ${agency.name}` : agency.name);
export const agencyLabel = (id) => {
  const agency = state.agencies.get(id);
  return agency ? agencyText(agency) : id;
};
