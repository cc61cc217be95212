/** Statements (finance): a month's summary, each agency's statement, its CSV files and signature; closing a month. */

import { confirmAction } from '../confirm.js';
import { api, can, state, t } from '../context.js';
import { formatCount, formatDay, formatPeriod, formatVnd, periodOf, shiftPeriod } from '../format.js';
import { joinCsvPages } from '../forms.js';
import {
  $,
  badge,
  busy,
  cell,
  clearMessages,
  csvBlob,
  downloadBlob,
  fillRows,
  h,
  newest,
  notify,
  typed,
} from '../ui.js';
import {
  clearStatement,
  renderStatement as renderStatementView,
  messages as statementWords,
} from '../views/statement.js';

/** What this page shows: the month's summary and the statement opened from it. */
const view = { summary: undefined, statement: undefined };
/** The statement's "calls behind it" button, beside the view's own (created by init: pages load in Node too). */
let entriesButton;

async function loadSummary() {
  const period = $('statements-month').value ? typed('statements-month', 'month') : periodOf(Date.now());
  $('statements-month').value = formatPeriod(period);
  const current = newest('summary');
  const summary = await api.json('GET', `billing/summary/${period}?top=100`);
  if (!current()) return;
  view.summary = summary;
  for (const agency of view.summary.agencies) {
    if (!state.agencies.has(agency.agencyId)) {
      state.agencies.set(agency.agencyId, { id: agency.agencyId, name: agency.agencyName });
    }
  }
  view.statement = undefined;
  newest('statement'); // a statement of the previous month still loading is no longer wanted
  renderStatements();
}

function renderStatements() {
  const summary = view.summary;
  const period = summary?.period;
  $('h-statements-summary').textContent = period
    ? t('statements.summary', { period: formatPeriod(period) })
    : '';
  $('close-box').hidden = !can('billing:close') || !period;
  $('close-month').textContent = period ? t('statements.close', { period: formatPeriod(period) }) : '';
  if (!summary) return;
  const blocked = closeBlocked(summary);
  $('close-month').disabled = Boolean(blocked);
  $('close-reason').hidden = !blocked;
  $('close-reason').textContent = blocked ?? '';
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

/**
 * Why the month cannot be closed now, in words, or undefined if it can: a month closes once it has ended in
 * Asia/Ho_Chi_Minh (the API refuses earlier), and a month whose statements are all closed has nothing left to sign.
 */
function closeBlocked(summary) {
  const period = summary.period;
  if (period >= periodOf(Date.now())) {
    return t('statements.closeNotEnded', {
      period: formatPeriod(period),
      from: formatDay(`${shiftPeriod(period, 1)}-01`),
    });
  }
  if (summary.agencies.length && summary.agencies.every((agency) => agency.status === 'closed')) {
    return t('statements.closeDone', { period: formatPeriod(period) });
  }
  return undefined;
}

async function loadStatement(agencyId, period) {
  const current = newest('statement');
  const statement = await api.json('GET', `billing/statements/${period}?agency=${agencyId}`);
  if (!current()) return;
  view.statement = statement;
  renderStatement();
  $('h-statement').setAttribute('tabindex', '-1');
  $('h-statement').focus();
}

function renderStatement() {
  const detail = $('statement-detail');
  const current = view.statement;
  detail.hidden = !current;
  if (!current) return;
  const { statement } = current;
  $('h-statement').textContent = t('statements.detail', {
    agency: statement.agencyName,
    period: formatPeriod(statement.period),
  });
  const query = `${statement.period}?agency=${statement.agencyId}`;
  const code = (state.agencies.get(statement.agencyId)?.code ?? statement.agencyId).replace(
    /[^A-Za-z0-9-]/g,
    '_',
  );
  renderStatementView($('statement-view'), current, {
    id: 'statement',
    csv: () => api.text(`billing/statements/${query}`, 'text/csv'),
    signed: () => api.text(`billing/statements/${statement.period}/signed?agency=${statement.agencyId}`),
    filename: `statement-${code}-${statement.period}`,
    actions: [entriesButton],
  });
  entriesButton.textContent = t('statements.entries');
}

/** The request ids behind the statement's lines, every page of the export as one CSV file. */
async function downloadEntries(event) {
  clearMessages();
  const { statement } = view.statement;
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
}

function init() {
  $('statements-form').addEventListener('submit', (event) => {
    event.preventDefault();
    clearMessages();
    busy(t('common.loading'), loadSummary, { button: event.submitter });
  });

  entriesButton = h('button', { type: 'button', id: 'statement-entries', class: 'secondary' });
  entriesButton.addEventListener('click', downloadEntries);

  $('close-month').addEventListener('click', async (event) => {
    clearMessages();
    const button = event.currentTarget; // null once the dialog has been awaited
    const summary = view.summary;
    const period = summary.period;
    const count = summary.agencies.filter((agency) => agency.status === 'open').length;
    const words = { period: formatPeriod(period), count: formatCount(count) };
    const confirmed = await confirmAction({
      title: () => t('statements.closeTitle', words),
      body: () => t(count ? 'statements.closeBody' : 'statements.closeBodyNone', words),
      confirm: () => t('statements.close', words),
      cancel: () => t('statements.closeCancel'),
    });
    if (!confirmed || view.summary !== summary) return;
    const closed = await busy(
      t('statements.closing', { period: formatPeriod(period) }),
      () => api.json('POST', `billing/periods/${period}/close`),
      {
        button,
        failed: ['statements.closeFailed', words],
        // The API's one refusal of a close (409): the month has not ended in Asia/Ho_Chi_Minh.
        problems: { conflict: ['statements.closeConflict', words] },
      },
    );
    if (!closed) return;
    await busy(t('common.loading'), loadSummary);
    notify(t('statements.closed', { period: formatPeriod(period), count: closed.statements.length }));
  });
}

export default {
  id: 'statements',
  nav: 'nav.statements',
  scopes: ['billing:read'],
  markup: `<section id="page-statements" class="page" aria-labelledby="h-statements" hidden>
  <h1 id="h-statements" data-i18n="statements.title">Bảng kê hằng tháng</h1>
  <form id="statements-form" class="row">
    <div class="field"><label for="statements-month" data-i18n="statements.month">Tháng</label>
      <input id="statements-month" required inputmode="numeric" autocomplete="off" aria-describedby="statements-month-hint">
      <p id="statements-month-hint" class="hint" data-i18n="input.monthHint">Tháng dạng mm/yyyy, ví dụ 11/2026</p></div>
    <button type="submit" data-i18n="common.show">Xem</button>
  </form>
  <div id="close-box" class="box" hidden>
    <p id="close-hint" data-i18n="statements.closeHint">Chỉ khóa sổ được sau khi tháng đã kết thúc (giờ Việt Nam). Bảng kê đã khóa sổ được ký và không bao giờ thay đổi.</p>
    <button type="button" id="close-month" class="warning" aria-describedby="close-reason"></button>
    <p id="close-reason" class="hint" hidden></p>
  </div>
  <h2 id="h-statements-summary" data-i18n="statements.title">Bảng kê hằng tháng</h2>
  <p id="statements-total"></p>
  <div class="scroll">
    <table id="statements-table" aria-labelledby="h-statements-summary">
      <thead><tr>
        <th scope="col" data-i18n="common.agency">Cơ quan</th>
        <th scope="col" data-i18n="common.status">Trạng thái</th>
        <th scope="col" class="num" data-i18n="common.calls">Số lượt gọi</th>
        <th scope="col" class="num" data-i18n="common.billable">Lượt tính phí</th>
        <th scope="col" class="num" data-i18n="statements.totalVat">Tổng (gồm thuế GTGT)</th>
        <th scope="col" data-i18n="common.actions">Thao tác</th>
      </tr></thead>
      <tbody></tbody>
    </table>
  </div>
  <section id="statement-detail" class="box" aria-labelledby="h-statement" hidden>
    <h2 id="h-statement" data-i18n="statements.title">Bảng kê hằng tháng</h2>
    <div id="statement-view"></div>
  </section>
</section>`,
  messages: {
    vi: {
      ...statementWords.vi,
      'nav.statements': 'Bảng kê',
      'statements.title': 'Bảng kê hằng tháng',
      'statements.month': 'Tháng',
      'statements.summary': 'Tổng hợp tháng {period}',
      'statements.totalAll': 'Tổng cộng cả tháng: {total}',
      'statements.totalVat': 'Tổng (gồm thuế GTGT)',
      'statements.view': 'Xem bảng kê của {agency}',
      'statements.detail': 'Bảng kê của {agency}, tháng {period}',
      'statements.close': 'Khóa sổ tháng {period}',
      'statements.closeHint':
        'Chỉ khóa sổ được sau khi tháng đã kết thúc (giờ Việt Nam). Bảng kê đã khóa sổ được ký và không bao giờ thay đổi.',
      'statements.closing': 'Đang khóa sổ tháng {period}…',
      'statements.closeNotEnded':
        'Chưa khóa sổ được: tháng {period} chưa kết thúc (giờ Việt Nam). Khóa sổ được từ 00:00 ngày {from}.',
      'statements.closeDone': 'Tháng {period} đã khóa sổ: mọi bảng kê của tháng đã được ký.',
      'statements.closeTitle': 'Khóa sổ tháng {period}?',
      'statements.closeBody':
        'Khóa sổ tháng {period}: bảng kê của {count} cơ quan sẽ được ký và không thể sửa. Lượt gọi ghi nhận muộn sẽ được điều chỉnh ở bảng kê tháng sau.',
      'statements.closeBodyNone':
        'Khóa sổ tháng {period}: tháng này không có bảng kê nào để ký ({count} cơ quan); việc khóa sổ không thể hoàn tác.',
      'statements.closeCancel': 'Hủy, chưa khóa sổ',
      'statements.closeFailed': 'Chưa khóa sổ được tháng {period}',
      'statements.closeConflict':
        'Tháng {period} chưa kết thúc (giờ Việt Nam): chỉ khóa sổ được sau khi tháng kết thúc.',
      'statements.closed': 'Đã khóa sổ tháng {period}: {count} bảng kê đã được ký.',
      'statements.noStatements': 'Tháng này chưa có bảng kê nào.',
      'statements.entries': 'Tải danh sách lượt gọi (CSV)',
    },
    en: {
      ...statementWords.en,
      'nav.statements': 'Statements',
      'statements.title': 'Monthly statements',
      'statements.month': 'Month',
      'statements.summary': 'Summary of {period}',
      'statements.totalAll': 'Month total: {total}',
      'statements.totalVat': 'Total (VAT included)',
      'statements.view': 'View the statement of {agency}',
      'statements.detail': 'Statement of {agency}, {period}',
      'statements.close': 'Close {period}',
      'statements.closeHint':
        'A month can be closed once it has ended (Vietnam time). Closed statements are signed and never change.',
      'statements.closing': 'Closing {period}…',
      'statements.closeNotEnded':
        'Cannot close yet: {period} has not ended (Vietnam time). It can be closed from 00:00 on {from}.',
      'statements.closeDone': '{period} is closed: every statement of the month is signed.',
      'statements.closeTitle': 'Close {period}?',
      'statements.closeBody':
        "Close {period}: the statements of {count} agencies will be signed and can no longer change. Usage recorded late is adjusted on the next month's statement.",
      'statements.closeBodyNone':
        'Close {period}: there is no statement to sign this month ({count} agencies); closing cannot be undone.',
      'statements.closeCancel': 'Cancel, keep it open',
      'statements.closeFailed': '{period} was not closed',
      'statements.closeConflict':
        '{period} has not ended (Vietnam time): a month can be closed only after it ends.',
      'statements.closed': '{period} closed: {count} statements signed.',
      'statements.noStatements': 'No statements for this month.',
      'statements.entries': 'Download the calls (CSV)',
    },
  },
  init,
  load() {
    return busy(t('common.loading'), loadSummary);
  },
  render: renderStatements,
  reset() {
    view.summary = undefined;
    view.statement = undefined;
    clearStatement($('statement-view'));
  },
};
