/** The agencies an admin can list, read once and shared by every page's agency selects (`select.agency-select`). */
import { agencyText, api, state, t } from './context.js';
import { h } from './ui.js';

export async function loadAgencies({ more = false } = {}) {
  const query = new URLSearchParams({ limit: '100' });
  if (more && state.agencyCursor) query.set('cursor', state.agencyCursor);
  if (!more) state.agencies.clear();
  const page = await api.json('GET', `admin/agencies?${query}`);
  for (const agency of page.items) state.agencies.set(agency.id, agency);
  state.agencyCursor = page.cursor;
  renderAgencySelects();
}

export function renderAgencySelects() {
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
