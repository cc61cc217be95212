/**
 * Calls (an agency, self:read): the agency's own registry calls, served and refused, newest first, from
 * GET /me/calls: which officer looked up whom, when, why (the purpose by code and name) and what came of it;
 * filtered by officer, case and days, a page at a time.
 */
import { api, opName, PLATFORM_SCOPES, t } from '../context.js';
import { formatCount, formatDateTime, parseDay } from '../format.js';
import { reasonOf, refusalText, SUMMARY_ACTION } from '../refusals.js';
import { $, busy, cell, clearMessages, fillRows, h, newest, said } from '../ui.js';

/** Calls a page asks for; a filtered read may give fewer and a cursor, followed up to FOLLOW reads a click. */
const LIMIT = 50;
const FOLLOW = 5;
/** What this page shows: the calls read so far under the filter they were read with, and where to go on. */
const view = { calls: [], cursor: undefined, filter: undefined, loaded: false };

const code = (text) => h('code', { class: 'mono nowrap', text });

/** The filter as the form says it, or an error message naming a day that is not one. */
function filterOf() {
  const filter = {};
  for (const [name, id] of [
    ['officer', 'my-calls-officer'],
    ['case', 'my-calls-case'],
  ]) {
    const value = $(id).value.trim();
    if (value) filter[name] = value;
  }
  for (const [name, id] of [
    ['from', 'my-calls-from'],
    ['to', 'my-calls-to'],
  ]) {
    const text = $(id).value.trim();
    if (!text) continue;
    const day = parseDay(text);
    if (!day) throw said('input.badDay', { value: text });
    filter[name] = day;
  }
  return filter;
}

/** Reads calls after `cursor` until a page's worth, the end, or FOLLOW reads (a sparse filter's pages are short). */
async function readCalls(filter, cursor) {
  const calls = [];
  let next = cursor;
  for (let reads = 0; reads < FOLLOW; reads++) {
    const query = new URLSearchParams({ ...filter, limit: String(LIMIT - calls.length) });
    if (next) query.set('cursor', next);
    const page = await api.json('GET', `me/calls?${query}`);
    calls.push(...page.calls);
    next = page.nextCursor;
    if (!next || calls.length >= LIMIT) break;
  }
  return { calls, cursor: next };
}

async function loadCalls({ more = false } = {}) {
  const filter = more ? view.filter : filterOf();
  const current = newest('my-calls');
  const page = await readCalls(filter, more ? view.cursor : undefined);
  if (!current()) return;
  view.calls = more ? [...view.calls, ...page.calls] : page.calls;
  view.cursor = page.cursor;
  view.filter = filter;
  view.loaded = true;
  renderCalls();
}

function outcomeCell(call) {
  if (call.outcome !== 'refused') {
    const text = call.status === 404 ? t('myCalls.servedNoRecord') : t('outcome.served');
    return h('td', { 'data-outcome': 'served' }, h('span', { class: 'badge outcome-served', text }));
  }
  return h(
    'td',
    { 'data-outcome': 'refused', 'data-reason': reasonOf(call).slug },
    h('span', { class: 'badge outcome-refused', text: t('outcome.refused') }),
    ' ',
    h('span', { class: 'reason', text: refusalText(call, 'myCalls.refusal') }),
  );
}

function callRow(call) {
  const summary = call.operation === SUMMARY_ACTION;
  return h(
    'tr',
    { 'data-request-id': call.requestId },
    cell(formatDateTime(call.at), 'when'),
    h('td', {}, call.officerId ? code(call.officerId) : '–'),
    h('td', {}, call.caseId ? code(call.caseId) : '–'),
    summary
      ? cell(t('myCalls.beyondLimit', { count: formatCount(call.refusedBeyondRecorded ?? 0) }))
      : cell(opName(call.operation)),
    h('td', {}, call.subject ? code(call.subject) : '–'),
    h(
      'td',
      { 'data-purpose': call.purpose },
      call.purpose ? [code(call.purpose), ' ', call.purposeName ?? t('myCalls.unnamedPurpose')] : '–',
    ),
    outcomeCell(call),
  );
}

function renderCalls() {
  $('my-calls-results').hidden = !view.loaded;
  if (!view.loaded) return;
  fillRows($('my-calls-table'), view.calls.map(callRow), 7);
  $('my-calls-count').textContent = t(view.cursor ? 'myCalls.countMore' : 'myCalls.count', {
    count: formatCount(view.calls.length),
  });
  $('my-calls-more').hidden = !view.cursor;
}

function init() {
  $('my-calls-form').addEventListener('submit', (event) => {
    event.preventDefault();
    clearMessages();
    busy(t('common.loading'), () => loadCalls(), { button: event.submitter });
  });
  $('my-calls-more').addEventListener('click', (event) => {
    clearMessages();
    busy(t('common.loading'), () => loadCalls({ more: true }), { button: event.currentTarget });
  });
}

export default {
  id: 'my-calls',
  nav: 'nav.myCalls',
  scopes: ['self:read'],
  notWith: PLATFORM_SCOPES,
  markup: `<section id="page-my-calls" class="page" aria-labelledby="h-my-calls" hidden>
  <h1 id="h-my-calls" data-i18n="myCalls.title">Lượt tra cứu của cơ quan</h1>
  <p data-i18n="myCalls.intro">Mọi lượt tra cứu do thông tin xác thực của cơ quan thực hiện, cả lượt được phục vụ và lượt bị từ chối, mới nhất trước.</p>
  <form id="my-calls-form" class="row">
    <div class="field"><label for="my-calls-officer" data-i18n="myCalls.officer">Mã cán bộ</label>
      <input id="my-calls-officer" autocomplete="off" spellcheck="false" maxlength="64"></div>
    <div class="field"><label for="my-calls-case" data-i18n="myCalls.case">Mã hồ sơ</label>
      <input id="my-calls-case" autocomplete="off" spellcheck="false" maxlength="64"></div>
    <div class="field"><label for="my-calls-from" data-i18n="myCalls.from">Từ ngày</label>
      <input id="my-calls-from" inputmode="numeric" autocomplete="off" aria-describedby="my-calls-hint"></div>
    <div class="field"><label for="my-calls-to" data-i18n="myCalls.to">Đến ngày</label>
      <input id="my-calls-to" inputmode="numeric" autocomplete="off" aria-describedby="my-calls-hint"></div>
    <button type="submit" data-i18n="common.show">Xem</button>
    <p id="my-calls-hint" class="hint" data-i18n="myCalls.hint">Để trống để xem tất cả; ngày dạng dd/mm/yyyy (giờ Việt Nam).</p>
  </form>
  <div id="my-calls-results" hidden>
    <p id="my-calls-count" role="status"></p>
    <div class="scroll">
      <table id="my-calls-table" aria-labelledby="h-my-calls">
        <thead><tr>
          <th scope="col" data-i18n="myCalls.at">Thời điểm</th>
          <th scope="col" data-i18n="myCalls.officer">Mã cán bộ</th>
          <th scope="col" data-i18n="myCalls.case">Mã hồ sơ</th>
          <th scope="col" data-i18n="common.operation">Nghiệp vụ</th>
          <th scope="col" data-i18n="myCalls.subject">Đối tượng tra cứu</th>
          <th scope="col" data-i18n="myCalls.purpose">Mục đích</th>
          <th scope="col" data-i18n="myCalls.outcome">Kết quả</th>
        </tr></thead>
        <tbody></tbody>
      </table>
    </div>
    <button type="button" id="my-calls-more" class="secondary" data-i18n="common.loadMore" hidden>Tải thêm</button>
  </div>
</section>`,
  messages: {
    vi: {
      'nav.myCalls': 'Lượt tra cứu',
      'myCalls.title': 'Lượt tra cứu của cơ quan',
      'myCalls.intro':
        'Mọi lượt tra cứu do thông tin xác thực của cơ quan thực hiện, cả lượt được phục vụ và lượt bị từ chối, mới nhất trước.',
      'myCalls.officer': 'Mã cán bộ',
      'myCalls.case': 'Mã hồ sơ',
      'myCalls.from': 'Từ ngày',
      'myCalls.to': 'Đến ngày',
      'myCalls.hint': 'Để trống để xem tất cả; ngày dạng dd/mm/yyyy (giờ Việt Nam).',
      'myCalls.at': 'Thời điểm',
      'myCalls.subject': 'Đối tượng tra cứu',
      'myCalls.purpose': 'Mục đích',
      'myCalls.outcome': 'Kết quả',
      'myCalls.count': '{count} lượt tra cứu.',
      'myCalls.countMore': 'Đang hiển thị {count} lượt tra cứu; còn lượt cũ hơn.',
      'myCalls.unnamedPurpose': '(mã không có trong danh mục)',
      'myCalls.servedNoRecord': 'Đã phục vụ: không có hồ sơ',
      'myCalls.beyondLimit': 'Thêm {count} lượt bị từ chối trong phút này (chỉ được đếm)',
      'myCalls.refusal.unauthorized': 'mã truy cập không còn hiệu lực.',
      'myCalls.refusal.forbidden':
        'không được phép: thông tin xác thực thiếu quyền, hoặc cơ quan không được cấp nghiệp vụ hay mục đích này.',
      'myCalls.refusal.agency-suspended': 'cơ quan đang bị tạm dừng.',
      'myCalls.refusal.budget-exhausted': 'cơ quan đã dùng hết hạn mức ngân sách của tháng.',
      'myCalls.refusal.conflict': 'khóa chống trùng lặp (Idempotency-Key) đã được dùng cho một yêu cầu khác.',
      'myCalls.refusal.too-many-requests': 'vượt giới hạn tốc độ hoặc hạn ngạch tháng.',
    },
    en: {
      'nav.myCalls': 'Calls',
      'myCalls.title': "The agency's calls",
      'myCalls.intro': "Every call made with the agency's credentials, served and refused, newest first.",
      'myCalls.officer': 'Officer id',
      'myCalls.case': 'Case id',
      'myCalls.from': 'From day',
      'myCalls.to': 'To day',
      'myCalls.hint': 'Leave empty to see all; days as dd/mm/yyyy (Vietnam time).',
      'myCalls.at': 'When',
      'myCalls.subject': 'Looked up',
      'myCalls.purpose': 'Purpose',
      'myCalls.outcome': 'Outcome',
      'myCalls.count': '{count} calls.',
      'myCalls.countMore': 'Showing {count} calls; there are older ones.',
      'myCalls.unnamedPurpose': '(code not in the catalogue)',
      'myCalls.servedNoRecord': 'Served: no such record',
      'myCalls.beyondLimit': '{count} more refused attempts this minute (counted only)',
      'myCalls.refusal.unauthorized': 'the access token was no longer valid.',
      'myCalls.refusal.forbidden':
        'not permitted: the credential lacks the scope, or the agency is not granted this operation or purpose.',
      'myCalls.refusal.agency-suspended': 'the agency is suspended.',
      'myCalls.refusal.budget-exhausted': "the agency's monthly budget cap was reached.",
      'myCalls.refusal.conflict': 'the Idempotency-Key was already used for another request.',
      'myCalls.refusal.too-many-requests': 'over the rate limit or the monthly quota.',
    },
  },
  init,
  load() {
    if (view.loaded) return renderCalls();
    return busy(t('common.loading'), () => loadCalls());
  },
  render: renderCalls,
  reset() {
    view.calls = [];
    view.cursor = undefined;
    view.filter = undefined;
    view.loaded = false;
    // The next user's filter starts empty.
    for (const id of ['my-calls-officer', 'my-calls-case', 'my-calls-from', 'my-calls-to']) $(id).value = '';
  },
};
