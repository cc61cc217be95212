/**
 * The audit trail (audit): who looked up a subject or what an agency's credentials did, served calls beside
 * refused attempts (with why, in words), each record's receipt checked in the browser, the log's integrity.
 */
import { loadAgencies } from '../agency-cache.js';
import { ApiError } from '../api.js';
import { recordLeafHash, verifyAuditProof } from '../audit-proof.js';
import { agencyLabel, agencyText, api, can, OPERATIONS, opName, state, t } from '../context.js';
import { formatCount, formatDateTime } from '../format.js';
import { reasonOf, refusalText, SUMMARY_ACTION } from '../refusals.js';
import { $, busy, cell, clearMessages, fillRows, h, newest, said, showError } from '../ui.js';

/** What this page shows: the last search with its receipts checked, and the last check of the whole log. */
const view = { audit: undefined, auditVerify: undefined };

/** Admin and billing actions the trail records (shared/identity/admin-service.ts, shared/billing/service.ts). */
const ACTIONS = [
  'agency.create',
  'agency.update',
  'agency.suspend',
  'agency.reactivate',
  'agency.plan',
  'agency.budget',
  'entitlements.replace',
  'purpose.create',
  'purpose.update',
  'credential.issue',
  'credential.rotate',
  'credential.revoke',
  'plan.create',
  'plan.version',
  'signing-key.rotate',
  'billing.reversal',
  'billing.period.close',
];
/** Why an attempt was refused, in the page's language: the trail's own words, else the problem's. */
function refusal(record) {
  if (record.action === SUMMARY_ACTION) {
    return t('audit.refusedBeyond', { recorded: formatCount(record.refusals?.recorded ?? 20) });
  }
  return refusalText(record, 'audit.refusal');
}

function actionCell(record) {
  if (record.action === SUMMARY_ACTION) {
    return h('td', {
      'data-action': record.action,
      text: t('audit.beyondLimit', { count: formatCount(record.refusedBeyondRecorded ?? 0) }),
    });
  }
  if (OPERATIONS.includes(record.action)) return cell(opName(record.action));
  if (ACTIONS.includes(record.action)) {
    return h(
      'td',
      { 'data-action': record.action },
      t(`audit.action.${record.action}`),
      record.target ? [' ', h('code', { text: record.target })] : [],
    );
  }
  return h('td', {}, h('code', { text: record.action }));
}

/** The outcome in words: served (or served with no such record), refused and why, or done. */
function outcomeCell(record) {
  const key = ['served', 'refused', 'done'].includes(record.outcome) ? record.outcome : undefined;
  if (!key) return h('td', {}, h('code', { text: String(record.outcome) }));
  if (key !== 'refused') {
    const text = key === 'served' && record.status === 404 ? t('audit.servedNoRecord') : t(`outcome.${key}`);
    return h('td', { 'data-outcome': key }, h('span', { class: `badge outcome-${key}`, text }));
  }
  const { detail } = reasonOf(record);
  return h(
    'td',
    { 'data-outcome': key, 'data-reason': reasonOf(record).slug },
    h('span', { class: 'badge outcome-refused', text: t('outcome.refused') }),
    ' ',
    h('span', { class: 'reason', text: refusal(record) }),
    h(
      'details',
      { class: 'reason-details' },
      h('summary', { text: t('problem.details') }),
      h('code', { text: `HTTP ${record.status ?? '–'}` }),
      detail ? [' ', h('span', { lang: 'en', text: detail })] : [],
    ),
  );
}

/** The records the outcome filter lets through (the API gives every outcome; the filter is the page's). */
const shownRecords = (found) =>
  found.items.filter((record) => found.outcome === 'all' || record.outcome === found.outcome);

function resultsTitle(found) {
  const agency = found.agency ? agencyLabel(found.agency) : undefined;
  if (found.subject && agency) return t('audit.resultsBoth', { subject: found.subject, agency });
  return found.subject
    ? t('audit.results', { subject: found.subject })
    : t('audit.resultsAgency', { agency });
}

function renderAudit() {
  const found = view.audit;
  const shown = found ? shownRecords(found) : [];
  $('h-audit-results').hidden = !found;
  $('audit-table').hidden = !shown.length;
  $('audit-none').hidden = !found || shown.length > 0;
  $('audit-more').hidden = !found?.cursor;
  renderAgencyChoices();
  renderReceiptResult();
  if (!found) return $('audit-count').replaceChildren();
  $('h-audit-results').textContent = resultsTitle(found);
  $('audit-none').textContent =
    found.items.length > 0
      ? t('audit.noneWithOutcome', { outcome: t(`audit.filter.${found.outcome}`) })
      : found.subject
        ? t('audit.none', { subject: found.subject })
        : t('audit.noneAgency', { agency: agencyLabel(found.agency) });
  $('audit-count').textContent = t('audit.count', {
    shown: formatCount(shown.length),
    total: formatCount(found.items.length),
  });
  const rows = shown.map((record) =>
    h(
      'tr',
      {
        'data-record': record.id,
        'data-outcome': record.outcome,
        'data-receipt': found.receipts.get(record.id)?.state,
      },
      cell(formatDateTime(record.at), 'nowrap'),
      cell(agencyLabel(record.actor.agencyId)),
      cell(record.actor.clientId, 'mono'),
      actionCell(record),
      cell(record.purpose ?? '–', 'mono nowrap'),
      cell(record.officerId ?? '–', 'mono nowrap'),
      outcomeCell(record),
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

/** The agencies an admin knows, offered by code in the agency field (an auditor types the agency id). */
function renderAgencyChoices() {
  $('audit-agencies').replaceChildren(
    ...[...state.agencies.values()].map((agency) =>
      h('option', { value: agency.code ?? agency.id, label: agencyText(agency) }),
    ),
  );
}

/** The agency typed: an id as it is, or the code of an agency the page knows; undefined when blank. */
function agencyOf(text) {
  const typed = text.trim();
  if (!typed) return { id: undefined };
  if (/^ag_[a-z0-9]{1,32}$/.test(typed)) return { id: typed };
  const known = [...state.agencies.values()].find(
    (agency) => agency.code?.toUpperCase() === typed.toUpperCase(),
  );
  return known ? { id: known.id } : { error: said('audit.unknownAgency', { value: typed }) };
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
  const id = view.audit?.lastReceipt;
  const outcome = id && view.audit.receipts.get(id);
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
  // The summary's count keeps growing after it is recorded: the API adds it beside the record's own bytes.
  const { leafHash: receipt, refusedBeyondRecorded: _count, ...event } = record;
  const verified = await verifyAuditProof(proof, JSON.parse(jwks), receipt);
  if (!verified.ok) return { state: 'bad', code: verified.code };
  // The proof is of the receipt stored beside the record: an edit of the record itself shows here.
  if ((await recordLeafHash(event)) !== verified.leafHash) return { state: 'bad', code: 'recordChanged' };
  return { state: 'ok', verified };
}

async function verifyReceipt(record, button) {
  clearMessages();
  const found = view.audit;
  const outcome = await busy(t('audit.receiptVerifying', { id: record.id }), () => checkReceipt(record), {
    button,
  });
  if (!outcome || view.audit !== found) return;
  found.receipts.set(record.id, outcome);
  found.lastReceipt = record.id;
  // Only this row changes: the rest of the table, and the user's place in it, stay as they were.
  const row = [...$('audit-table').tBodies[0].rows].find((tr) => tr.dataset.record === record.id);
  row?.setAttribute('data-receipt', outcome.state);
  row?.querySelector('.receipt-state')?.replaceChildren(receiptBadge(outcome));
  renderReceiptResult();
}
/** Why the log is broken, from the API's code, in the page's language. */
const BROKEN_CODES = ['changed', 'missing', 'signature', 'root', 'consistency', 'tile'];
const brokenReason = (code) => t(`logBroken.${BROKEN_CODES.includes(code) ? code : 'other'}`);

function renderAuditVerify() {
  const result = view.auditVerify;
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

/** One page of the trail for `query` (agency and/or subject); with `cursor`, the next page of the last search. */
async function search(query, cursor) {
  const params = new URLSearchParams({ limit: '200' });
  if (query.subject) params.set('subject', query.subject);
  if (query.agency) params.set('agency', query.agency);
  if (cursor) params.set('cursor', cursor);
  // A search or a page started later (or a sign-out) wins: a late answer must not mix into, or replace, it.
  const current = newest('audit');
  const previous = cursor ? view.audit : undefined;
  const page = await api.json('GET', `audit/events?${params}`);
  if (!current() || (cursor && view.audit !== previous)) return;
  view.audit = {
    subject: query.subject || undefined,
    agency: query.agency,
    outcome: ['served', 'refused'].includes(query.outcome) ? query.outcome : 'all',
    items: [...(previous?.items ?? []), ...page.items],
    cursor: page.cursor,
    receipts: previous?.receipts ?? new Map(),
    lastReceipt: previous?.lastReceipt,
  };
  renderAudit();
}

function init() {
  $('audit-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages();
    const subject = $('audit-subject').value.trim();
    if (can('admin') && !state.agencies.size) {
      await busy(t('common.loading'), () => loadAgencies());
    }
    const agency = agencyOf($('audit-agency').value);
    if (agency.error) return showError(agency.error);
    if (!subject && !agency.id) return showError(said('audit.needQuery'));
    const query = { subject, agency: agency.id, outcome: $('audit-outcome').value };
    await busy(t('common.loading'), () => search(query), {
      button: event.submitter,
      failed: 'audit.searchFailed',
    });
  });

  $('audit-outcome').addEventListener('change', () => {
    if (!view.audit) return;
    view.audit.outcome = $('audit-outcome').value;
    renderAudit();
  });

  $('audit-more').addEventListener('click', async (event) => {
    const found = view.audit;
    if (!found?.cursor) return;
    clearMessages();
    await busy(t('common.loading'), () => search(found, found.cursor), {
      button: event.currentTarget,
      failed: 'audit.searchFailed',
    });
  });

  $('audit-verify').addEventListener('click', async (event) => {
    clearMessages();
    const out = $('audit-verify-result');
    out.replaceChildren();
    await busy(
      t('audit.verifying'),
      async () => {
        const result = await api.json('GET', 'audit/verify');
        view.auditVerify = result;
        renderAuditVerify();
      },
      { button: event.currentTarget },
    );
  });
}

export default {
  id: 'audit',
  nav: 'nav.audit',
  scopes: ['audit:read'],
  markup: String.raw`<section id="page-audit" class="page" aria-labelledby="h-audit" hidden>
  <h1 id="h-audit" data-i18n="audit.title">Nhật ký truy cập</h1>
  <form id="audit-form" class="row" aria-labelledby="h-audit-search" novalidate>
    <h2 id="h-audit-search" data-i18n="audit.searchTitle">Ai đã tra cứu một công dân hoặc doanh nghiệp, và một cơ quan đã làm gì</h2>
    <p class="hint wide" id="audit-query-hint" data-i18n="audit.queryHint">Nhập số định danh, cơ quan, hoặc cả hai. Kết quả gồm cả các lượt đã phục vụ và các lượt bị từ chối.</p>
    <div class="field wide"><label for="audit-subject" data-i18n="audit.subject">Số định danh cá nhân (12 chữ số) hoặc mã số doanh nghiệp</label>
      <input id="audit-subject" inputmode="numeric" autocomplete="off" spellcheck="false"
        pattern="\d{12}|\d{10}(-\d{3})?" aria-describedby="audit-query-hint"></div>
    <div class="field"><label for="audit-agency" data-i18n="audit.agency">Cơ quan (mã cơ quan hoặc mã định danh ag_…)</label>
      <input id="audit-agency" list="audit-agencies" autocomplete="off" spellcheck="false"
        aria-describedby="audit-query-hint"><datalist id="audit-agencies"></datalist></div>
    <div class="field"><label for="audit-outcome" data-i18n="audit.outcome">Kết quả</label>
      <select id="audit-outcome">
        <option value="all" data-i18n="audit.filter.all">Tất cả</option>
        <option value="served" data-i18n="audit.filter.served">Đã phục vụ</option>
        <option value="refused" data-i18n="audit.filter.refused">Bị từ chối</option>
      </select></div>
    <button type="submit" data-i18n="audit.search">Tìm</button>
  </form>
  <h2 id="h-audit-results" data-i18n="audit.title" hidden>Nhật ký truy cập</h2>
  <div class="scroll">
    <table id="audit-table" aria-labelledby="h-audit-results" hidden>
      <thead><tr>
        <th scope="col" data-i18n="audit.when">Thời điểm</th>
        <th scope="col" data-i18n="common.agency">Cơ quan</th>
        <th scope="col" data-i18n="audit.client">Ứng dụng</th>
        <th scope="col" data-i18n="common.operation">Nghiệp vụ</th>
        <th scope="col" data-i18n="audit.purpose">Mục đích</th>
        <th scope="col" data-i18n="audit.officer">Cán bộ</th>
        <th scope="col" data-i18n="audit.outcome">Kết quả</th>
        <th scope="col" data-i18n="audit.receipt">Biên nhận</th>
      </tr></thead>
      <tbody></tbody>
    </table>
  </div>
  <p id="audit-count" class="hint" role="status"></p>
  <button type="button" id="audit-more" class="secondary" data-i18n="common.loadMore" hidden>Tải thêm</button>
  <p id="audit-receipt-result" role="status"></p>
  <p id="audit-none" hidden></p>
  <section class="box" aria-labelledby="h-audit-verify">
    <h2 id="h-audit-verify" data-i18n="audit.verifyTitle">Tính toàn vẹn của nhật ký kiểm toán</h2>
    <p class="hint" data-i18n="audit.verifyHint">Mỗi bản ghi được niêm phong vào nhật ký kiểm toán (một cây Merkle có mã băm gốc được cổng dữ liệu ký) trong vài giây sau lượt gọi. Nút dưới đây kiểm tra các bản ghi được thêm từ lần kiểm tra trước; nút “Kiểm chứng” của một bản ghi kiểm tra ngay trong trình duyệt rằng bản ghi đó nằm trong nhật ký đã ký.</p>
    <button type="button" id="audit-verify" class="secondary" data-i18n="audit.verify">Kiểm tra nhật ký kiểm toán</button>
    <p id="audit-verify-result" role="status"></p>
  </section>
</section>`,
  messages: {
    vi: {
      'nav.audit': 'Nhật ký truy cập',
      'audit.title': 'Nhật ký truy cập',
      'audit.searchTitle': 'Ai đã tra cứu một công dân hoặc doanh nghiệp, và một cơ quan đã làm gì',
      'audit.queryHint':
        'Nhập số định danh, cơ quan, hoặc cả hai. Kết quả gồm cả các lượt đã phục vụ và các lượt bị từ chối.',
      'audit.agency': 'Cơ quan (mã cơ quan hoặc mã định danh ag_…)',
      'audit.filter.all': 'Tất cả',
      'audit.filter.served': 'Đã phục vụ',
      'audit.filter.refused': 'Bị từ chối',
      'audit.needQuery': 'Nhập số định danh hoặc cơ quan cần tra cứu (hoặc cả hai).',
      'audit.unknownAgency':
        '“{value}” không phải là mã của một cơ quan đã biết; nhập mã cơ quan (ví dụ SYT-HN) hoặc mã định danh ag_….',
      'audit.searchFailed': 'Không tải được nhật ký truy cập',
      'audit.resultsAgency': 'Bản ghi của cơ quan {agency}',
      'audit.resultsBoth': 'Các lượt tra cứu {subject} của cơ quan {agency}',
      'audit.noneAgency': 'Chưa có bản ghi nào của cơ quan {agency}.',
      'audit.noneWithOutcome': 'Không có bản ghi nào với kết quả “{outcome}” trong các bản ghi đã tải.',
      'audit.count': 'Đang hiển thị {shown} trong {total} bản ghi đã tải.',
      'audit.servedNoRecord': 'Đã phục vụ: không có hồ sơ',
      'audit.beyondLimit': 'Thêm {count} lượt bị từ chối trong phút này (chỉ được đếm, không ghi từng lượt)',
      'audit.refusedBeyond':
        'thông tin xác thực này đã có hơn {recorded} lượt bị từ chối trong một phút; các lượt tiếp theo chỉ được đếm.',
      'audit.refusal.unauthorized':
        'mã truy cập không còn hiệu lực (thông tin xác thực bị thu hồi, hoặc quyền của cơ quan đã thay đổi).',
      'audit.refusal.forbidden':
        'không được phép: thiếu phạm vi quyền (scope), cơ quan không được cấp nghiệp vụ này, hoặc mục đích đã nêu không được cấp.',
      'audit.refusal.agency-suspended': 'cơ quan đang bị tạm dừng.',
      'audit.refusal.budget-exhausted': 'cơ quan đã dùng hết hạn mức ngân sách của tháng.',
      'audit.refusal.conflict': 'khóa chống trùng lặp (Idempotency-Key) đã được dùng cho một yêu cầu khác.',
      'audit.refusal.too-many-requests':
        'vượt giới hạn tốc độ, hạn ngạch tháng, hoặc số lần xác thực không khớp cho phép.',
      'audit.action.agency.create': 'Đăng ký cơ quan',
      'audit.action.agency.update': 'Sửa thông tin cơ quan',
      'audit.action.agency.suspend': 'Tạm dừng cơ quan',
      'audit.action.agency.reactivate': 'Kích hoạt lại cơ quan',
      'audit.action.agency.plan': 'Đổi gói cước của cơ quan',
      'audit.action.agency.budget': 'Đặt hạn mức ngân sách',
      'audit.action.entitlements.replace': 'Cấp quyền sử dụng nghiệp vụ',
      'audit.action.purpose.create': 'Thêm mục đích',
      'audit.action.purpose.update': 'Sửa mục đích',
      'audit.action.credential.issue': 'Cấp thông tin xác thực',
      'audit.action.credential.rotate': 'Đổi khóa bí mật',
      'audit.action.credential.revoke': 'Thu hồi thông tin xác thực',
      'audit.action.plan.create': 'Tạo gói cước',
      'audit.action.plan.version': 'Tạo phiên bản mới của gói cước',
      'audit.action.signing-key.rotate': 'Đổi khóa ký',
      'audit.action.billing.reversal': 'Điều chỉnh bảng kê',
      'audit.action.billing.period.close': 'Khóa sổ tháng',
      'audit.subject': 'Số định danh cá nhân (12 chữ số) hoặc mã số doanh nghiệp',
      'audit.search': 'Tìm',
      'audit.results': 'Các lượt tra cứu {subject}',
      'audit.when': 'Thời điểm',
      'audit.client': 'Ứng dụng',
      'audit.purpose': 'Mục đích',
      'audit.officer': 'Cán bộ',
      'audit.outcome': 'Kết quả',
      'audit.none': 'Chưa có ai tra cứu {subject}.',
      'audit.verifyTitle': 'Tính toàn vẹn của nhật ký kiểm toán',
      'audit.verifyHint':
        'Mỗi bản ghi được niêm phong vào nhật ký kiểm toán (một cây Merkle có mã băm gốc được cổng dữ liệu ký) trong vài giây sau lượt gọi. Nút dưới đây kiểm tra các bản ghi được thêm từ lần kiểm tra trước; nút “Kiểm chứng” của một bản ghi kiểm tra ngay trong trình duyệt rằng bản ghi đó nằm trong nhật ký đã ký.',
      'audit.verify': 'Kiểm tra nhật ký kiểm toán',
      'audit.verifying': 'Đang kiểm tra nhật ký kiểm toán…',
      'audit.ok':
        'Nhật ký nguyên vẹn: đã kiểm tra {checked} bản ghi mới (nhật ký từ {from} lên {treeSize} bản ghi); còn {pending} bản ghi chờ kiểm tra.',
      'audit.upToDate':
        'Nhật ký nguyên vẹn: không có bản ghi mới nào kể từ lần kiểm tra trước (cả {treeSize} bản ghi của nhật ký đã được kiểm tra).',
      'audit.broken': 'Nhật ký KHÔNG nguyên vẹn tại bản ghi {id}, vị trí {leafIndex}: {reason}',
      'audit.brokenAt': 'Nhật ký KHÔNG nguyên vẹn tại vị trí {leafIndex}: {reason}',
      'audit.brokenLog': 'Nhật ký KHÔNG nguyên vẹn: {reason}',
      'logBroken.changed': 'bản ghi đã bị thay đổi sau khi được niêm phong.',
      'logBroken.missing': 'bản ghi đã niêm phong không còn trong kho dữ liệu.',
      'logBroken.signature': 'điểm kiểm tra (checkpoint) không có chữ ký hợp lệ của cổng dữ liệu.',
      'logBroken.root': 'các bản ghi không cho ra mã băm gốc đã được ký.',
      'logBroken.consistency': 'nhật ký hiện tại không còn nối tiếp nhật ký đã kiểm tra lần trước.',
      'logBroken.tile': 'dữ liệu của cây Merkle không khớp với các bản ghi.',
      'logBroken.other': 'không đọc được dữ liệu của nhật ký, hoặc dữ liệu không nhất quán.',
      'audit.receipt': 'Biên nhận',
      'audit.receiptVerify': 'Kiểm chứng',
      'audit.receiptVerifyLabel': 'Kiểm chứng bản ghi {id}',
      'audit.receiptVerifying': 'Đang kiểm chứng bản ghi {id}…',
      'audit.receiptValid':
        'Biên nhận hợp lệ: bản ghi {id} nằm ở vị trí {leafIndex} trong nhật ký kiểm toán gồm {treeSize} bản ghi, theo điểm kiểm tra (checkpoint) ký lúc {time} (giờ Việt Nam) bằng khóa {kid}.',
      'audit.receiptInvalid': 'Biên nhận của bản ghi {id} KHÔNG hợp lệ: {reason}',
      'audit.receiptPending':
        'Bản ghi {id} chưa được niêm phong vào nhật ký kiểm toán; bản ghi được niêm phong trong vài giây sau lượt gọi: hãy thử lại.',
      'audit.receiptOk': 'Hợp lệ',
      'audit.receiptBad': 'Không hợp lệ',
      'audit.receiptWaiting': 'Chưa niêm phong',
      'proof.malformed': 'tài liệu nhận được không phải là bằng chứng của nhật ký kiểm toán.',
      'proof.wrongType': 'chữ ký không phải là chữ ký của một điểm kiểm tra nhật ký.',
      'proof.unknownKey': 'khóa ký không có trong bộ khóa công khai (JWKS) của cổng dữ liệu.',
      'proof.badSignature': 'chữ ký của điểm kiểm tra không khớp với khóa công khai.',
      'proof.payloadMismatch': 'điểm kiểm tra khác với nội dung đã ký.',
      'proof.receiptMalformed': 'biên nhận không phải là một mã băm (64 ký tự thập lục phân).',
      'proof.receiptMismatch': 'bằng chứng là của một bản ghi khác, không phải của biên nhận này.',
      'proof.treeSizeMismatch': 'bằng chứng và điểm kiểm tra nói về hai kích thước nhật ký khác nhau.',
      'proof.leafOutOfRange': 'vị trí của bản ghi nằm ngoài nhật ký đã ký.',
      'proof.pathLength': 'đường kiểm chứng có số mã băm không đúng với vị trí của bản ghi.',
      'proof.notIncluded': 'đường kiểm chứng không dẫn từ bản ghi đến mã băm gốc đã ký.',
      'proof.recordChanged':
        'nội dung bản ghi đã bị thay đổi sau khi được niêm phong: mã băm của nó không còn khớp với biên nhận.',
    },
    en: {
      'nav.audit': 'Audit trail',
      'audit.title': 'Audit trail',
      'audit.searchTitle': 'Who looked at a citizen or a company, and what an agency did',
      'audit.queryHint':
        'Give a national ID or enterprise code, an agency, or both. The results list served calls and refused attempts.',
      'audit.agency': 'Agency (agency code or ag_… id)',
      'audit.filter.all': 'All',
      'audit.filter.served': 'Served',
      'audit.filter.refused': 'Refused',
      'audit.needQuery': 'Give the national ID or enterprise code, or the agency, to look up (or both).',
      'audit.unknownAgency':
        '“{value}” is not the code of a known agency; give an agency code (e.g. SYT-HN) or an ag_… id.',
      'audit.searchFailed': 'Could not load the audit trail',
      'audit.resultsAgency': 'Records of agency {agency}',
      'audit.resultsBoth': 'Lookups of {subject} by agency {agency}',
      'audit.noneAgency': 'No records of agency {agency} yet.',
      'audit.noneWithOutcome': 'None of the records loaded has the outcome “{outcome}”.',
      'audit.count': 'Showing {shown} of {total} records loaded.',
      'audit.servedNoRecord': 'Served: no such record',
      'audit.beyondLimit': '{count} more refused attempts this minute (counted, not recorded one by one)',
      'audit.refusedBeyond':
        'this credential had more than {recorded} attempts refused in one minute; later ones are only counted.',
      'audit.refusal.unauthorized':
        "the access token was no longer valid (the credential was revoked, or the agency's rights changed).",
      'audit.refusal.forbidden':
        'not permitted: the scope is missing, the agency is not entitled to this operation, or the purpose claimed is not granted.',
      'audit.refusal.agency-suspended': 'the agency is suspended.',
      'audit.refusal.budget-exhausted': "the agency's monthly budget cap was reached.",
      'audit.refusal.conflict': 'the Idempotency-Key was already used for another request.',
      'audit.refusal.too-many-requests':
        'over the rate limit, the monthly quota, or the allowed failed verifications.',
      'audit.action.agency.create': 'Agency registered',
      'audit.action.agency.update': 'Agency changed',
      'audit.action.agency.suspend': 'Agency suspended',
      'audit.action.agency.reactivate': 'Agency reactivated',
      'audit.action.agency.plan': "Agency's plan changed",
      'audit.action.agency.budget': 'Budget cap set',
      'audit.action.entitlements.replace': 'Entitlements set',
      'audit.action.purpose.create': 'Purpose added',
      'audit.action.purpose.update': 'Purpose changed',
      'audit.action.credential.issue': 'Credential issued',
      'audit.action.credential.rotate': 'Secret rotated',
      'audit.action.credential.revoke': 'Credential revoked',
      'audit.action.plan.create': 'Plan created',
      'audit.action.plan.version': 'New plan version',
      'audit.action.signing-key.rotate': 'Signing key rotated',
      'audit.action.billing.reversal': 'Statement adjusted',
      'audit.action.billing.period.close': 'Month closed',
      'audit.subject': 'National ID (12 digits) or enterprise code',
      'audit.search': 'Search',
      'audit.results': 'Lookups of {subject}',
      'audit.when': 'When',
      'audit.client': 'Client',
      'audit.purpose': 'Purpose',
      'audit.officer': 'Officer',
      'audit.outcome': 'Outcome',
      'audit.none': 'Nobody has looked up {subject}.',
      'audit.verifyTitle': 'Integrity of the audit log',
      'audit.verifyHint':
        'Every record is sealed into the audit log (a Merkle tree whose root hash the gateway signs) within seconds of its call. The button below checks the records added since the last check; a record’s “Verify receipt” button checks, in your browser, that this record is in the signed log.',
      'audit.verify': 'Verify the audit log',
      'audit.verifying': 'Verifying the audit log…',
      'audit.ok':
        'Audit log intact: {checked} new records checked (the log grew from {from} to {treeSize} records); {pending} records waiting to be checked.',
      'audit.upToDate':
        'Audit log intact: no new records since the last check (all {treeSize} records of the log have been checked).',
      'audit.broken': 'The audit log is NOT intact at record {id}, position {leafIndex}: {reason}',
      'audit.brokenAt': 'The audit log is NOT intact at position {leafIndex}: {reason}',
      'audit.brokenLog': 'The audit log is NOT intact: {reason}',
      'logBroken.changed': 'the record was changed after it was sealed.',
      'logBroken.missing': 'the sealed record is no longer in the store.',
      'logBroken.signature': 'the checkpoint is not validly signed by the gateway.',
      'logBroken.root': 'the records do not give the signed root hash.',
      'logBroken.consistency': 'the log no longer extends the log verified last time.',
      'logBroken.tile': 'the Merkle tree’s stored hashes do not match the records.',
      'logBroken.other': 'the log’s data could not be read, or is not consistent.',
      'audit.receipt': 'Receipt',
      'audit.receiptVerify': 'Verify receipt',
      'audit.receiptVerifyLabel': 'Verify receipt of record {id}',
      'audit.receiptVerifying': 'Verifying the receipt of record {id}…',
      'audit.receiptValid':
        'Valid receipt: record {id} is at position {leafIndex} of the audit log of {treeSize} records, in the checkpoint signed at {time} (Vietnam time) with key {kid}.',
      'audit.receiptInvalid': 'The receipt of record {id} is NOT valid: {reason}',
      'audit.receiptPending':
        'Record {id} is not sealed into the audit log yet; records are sealed within seconds of their call: try again.',
      'audit.receiptOk': 'Valid',
      'audit.receiptBad': 'Not valid',
      'audit.receiptWaiting': 'Not sealed yet',
      'proof.malformed': 'what the gateway sent is not an audit log proof.',
      'proof.wrongType': 'the signature is not that of an audit log checkpoint.',
      'proof.unknownKey': "the signing key is not in the gateway's published keys (JWKS).",
      'proof.badSignature': 'the checkpoint signature does not match the public key.',
      'proof.payloadMismatch': 'the checkpoint differs from what was signed.',
      'proof.receiptMalformed': 'the receipt is not a hash (64 hexadecimal characters).',
      'proof.receiptMismatch': 'the proof is for another record, not this receipt.',
      'proof.treeSizeMismatch': 'the proof and the checkpoint are for logs of different sizes.',
      'proof.leafOutOfRange': "the record's position is outside the signed log.",
      'proof.pathLength': "the audit path has the wrong number of hashes for the record's position.",
      'proof.notIncluded': 'the audit path does not lead from the record to the signed root hash.',
      'proof.recordChanged':
        'the record was changed after it was sealed: its hash no longer matches its receipt.',
    },
  },
  init,
  load() {
    renderAudit();
  },
  render() {
    renderAudit();
    renderAuditVerify();
  },
  /** The next user sees nothing of the last search: not its results, not the ID it was for, not the log check. */
  reset() {
    newest('audit'); // a search still on its way is for the session that has gone
    view.audit = undefined;
    view.auditVerify = undefined;
    $('audit-form').reset();
    $('audit-verify-result').replaceChildren();
  },
};
