/** Statements (finance): a month's summary, each agency's statement, its CSV files and signature; closing a month. */
import { api, can, opName, state, t } from '../context.js';
import { formatCount, formatDateTime, formatPeriod, formatVnd, periodOf } from '../format.js';
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
import { StatementVerificationError, verifySignedStatement } from '../verify.js';

/** What this page shows: the month's summary and the statement opened from it. */
const view = { summary: undefined, statement: undefined };

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
  view.statement = statement;
  $('verify-result').replaceChildren();
  renderStatement();
  $('h-statement').setAttribute('tabindex', '-1');
  $('h-statement').focus();
}

function renderStatement() {
  const detail = $('statement-detail');
  const current = view.statement;
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

function init() {
  $('statements-form').addEventListener('submit', (event) => {
    event.preventDefault();
    clearMessages();
    busy(t('common.loading'), loadSummary, { button: event.submitter });
  });

  $('close-month').addEventListener('click', async (event) => {
    clearMessages();
    const period = view.summary.period;
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
    const { statement } = view.statement;
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
  });

  $('statement-verify').addEventListener('click', async (event) => {
    clearMessages();
    const { statement } = view.statement;
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
    <button type="button" id="close-month" class="warning"></button>
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
    <p id="statement-status"></p>
    <div class="scroll">
      <table id="statement-lines" aria-labelledby="h-statement">
        <thead><tr>
          <th scope="col" data-i18n="common.operation">Nghiệp vụ</th>
          <th scope="col" class="num" data-i18n="common.calls">Số lượt gọi</th>
          <th scope="col" class="num" data-i18n="common.billable">Lượt tính phí</th>
          <th scope="col" class="num" data-i18n="statements.included">Miễn phí</th>
          <th scope="col" class="num" data-i18n="statements.chargeable">Tính phí</th>
          <th scope="col" class="num" data-i18n="statements.amount">Thành tiền</th>
        </tr></thead>
        <tbody></tbody>
      </table>
    </div>
    <dl id="statement-totals" class="totals"></dl>
    <div class="row">
      <button type="button" id="statement-csv" data-i18n="statements.csv">Tải CSV</button>
      <button type="button" id="statement-entries" class="secondary" data-i18n="statements.entries">Tải danh sách lượt gọi (CSV)</button>
      <button type="button" id="statement-verify" class="secondary" data-i18n="statements.verify" hidden>Kiểm tra chữ ký</button>
    </div>
    <p id="verify-result" role="status"></p>
  </section>
</section>`,
  messages: {
    vi: {
      'nav.statements': 'Bảng kê',
      'statements.title': 'Bảng kê hằng tháng',
      'statements.month': 'Tháng',
      'statements.summary': 'Tổng hợp tháng {period}',
      'statements.totalAll': 'Tổng cộng cả tháng: {total}',
      'statements.totalVat': 'Tổng (gồm thuế GTGT)',
      'statements.view': 'Xem bảng kê của {agency}',
      'statements.detail': 'Bảng kê của {agency}, tháng {period}',
      'statements.included': 'Miễn phí',
      'statements.chargeable': 'Tính phí',
      'statements.amount': 'Thành tiền',
      'statements.usage': 'Tiền sử dụng',
      'statements.fee': 'Phí hằng tháng',
      'statements.adjustments': 'Điều chỉnh',
      'statements.subtotal': 'Cộng',
      'statements.vat': 'Thuế GTGT ({percent}%)',
      'statements.grandTotal': 'Tổng thanh toán',
      'statements.csv': 'Tải CSV',
      'statements.close': 'Khóa sổ tháng {period}',
      'statements.closeHint':
        'Chỉ khóa sổ được sau khi tháng đã kết thúc (giờ Việt Nam). Bảng kê đã khóa sổ được ký và không bao giờ thay đổi.',
      'statements.closing': 'Đang khóa sổ tháng {period}…',
      'statements.closed': 'Đã khóa sổ tháng {period}: {count} bảng kê đã được ký.',
      'statements.closedAt': 'Khóa sổ lúc {time}',
      'statements.verify': 'Kiểm tra chữ ký',
      'statements.verifying': 'Đang kiểm tra chữ ký…',
      'statements.verified':
        'Chữ ký hợp lệ: bảng kê do cổng dữ liệu ký bằng khóa {kid}; tổng {total}; SHA-256 {sha}.',
      'statements.verifyFailed': 'Chữ ký KHÔNG hợp lệ: {reason}',
      'statements.noStatements': 'Tháng này chưa có bảng kê nào.',
      'verify.malformed': 'tệp không phải là bảng kê đã ký.',
      'verify.notCanonical': 'tệp không còn đúng từng byte như khi cổng dữ liệu phát hành.',
      'verify.unknownKey': 'khóa ký không có trong bộ khóa công khai (JWKS) của cổng dữ liệu.',
      'verify.badSignature': 'chữ ký không khớp với khóa công khai.',
      'verify.payloadMismatch': 'nội dung bảng kê khác với nội dung đã ký.',
      'verify.hashMismatch': 'mã băm SHA-256 không khớp với nội dung đã ký.',
      'statements.entries': 'Tải danh sách lượt gọi (CSV)',
    },
    en: {
      'nav.statements': 'Statements',
      'statements.title': 'Monthly statements',
      'statements.month': 'Month',
      'statements.summary': 'Summary of {period}',
      'statements.totalAll': 'Month total: {total}',
      'statements.totalVat': 'Total (VAT included)',
      'statements.view': 'View the statement of {agency}',
      'statements.detail': 'Statement of {agency}, {period}',
      'statements.included': 'Included',
      'statements.chargeable': 'Chargeable',
      'statements.amount': 'Amount',
      'statements.usage': 'Usage',
      'statements.fee': 'Monthly fee',
      'statements.adjustments': 'Adjustments',
      'statements.subtotal': 'Subtotal',
      'statements.vat': 'VAT ({percent}%)',
      'statements.grandTotal': 'Total due',
      'statements.csv': 'Download CSV',
      'statements.close': 'Close {period}',
      'statements.closeHint':
        'A month can be closed once it has ended (Vietnam time). Closed statements are signed and never change.',
      'statements.closing': 'Closing {period}…',
      'statements.closed': '{period} closed: {count} statements signed.',
      'statements.closedAt': 'Closed at {time}',
      'statements.verify': 'Verify the signature',
      'statements.verifying': 'Verifying the signature…',
      'statements.verified':
        'Valid signature: signed by the gateway with key {kid}; total {total}; SHA-256 {sha}.',
      'statements.verifyFailed': 'The signature is NOT valid: {reason}',
      'statements.noStatements': 'No statements for this month.',
      'verify.malformed': 'the file is not a signed statement.',
      'verify.notCanonical': 'the file is not byte for byte what the gateway issued.',
      'verify.unknownKey': "the signing key is not in the gateway's published keys (JWKS).",
      'verify.badSignature': 'the signature does not match the public key.',
      'verify.payloadMismatch': 'the statement differs from what was signed.',
      'verify.hashMismatch': 'the SHA-256 does not match the signed content.',
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
  },
};
