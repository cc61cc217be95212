/**
 * A monthly statement explained as a finance officer checks an invoice: the plan versions that priced it, the
 * month's included calls, one row per operation and one per price tier, the fee, the adjustments, VAT and the
 * total; its CSV file, and for a closed month the signature checked in the browser against the gateway's
 * published keys. Shown the same way to finance (GET /billing/statements/{period}?agency=) and to an agency
 * (GET /me/statements/{period}): both answer `{ statement, status, signed? }`.
 *
 * Its words are `messages` below; a page that shows a statement registers them once (the statements page does,
 * so every page finds them through t()).
 */
import { api, opName, t } from '../context.js';
import { formatCount, formatDateTime, formatPeriod, formatVnd } from '../format.js';
import { badge, busy, cell, clearMessages, csvBlob, downloadBlob, h } from '../ui.js';
import { StatementVerificationError, verifySignedStatement } from '../verify.js';

/** Per container: the answer shown, its options, the signature check's outcome and the stable elements. */
const shown = new WeakMap();

/**
 * Shows `answer` (`{ statement, status, signed? }`) in `container`; call it again with the same answer after a
 * change of language (a signature already checked stays checked), or with another answer.
 * Options: `id`, the prefix of the ids inside (`statement` gives #statement-lines, #statement-tiers,
 * #statement-adjustments, #statement-totals, #statement-csv, #statement-verify, #statement-verify-result);
 * `csv()`, resolving to the statement's CSV text (Accept: text/csv); `signed()`, resolving to the signed file's
 * text of a closed month; `filename`, the downloads' name without extension (`statement-BHXH-DN-2026-11`);
 * `actions`, more buttons for the row beside the CSV one.
 */
export function renderStatement(container, answer, options) {
  let view = shown.get(container);
  if (!view || view.id !== options.id) {
    view = build(container, options);
    shown.set(container, view);
  }
  if (view.answer !== answer) view.verification = undefined;
  view.answer = answer;
  view.options = options;
  fill(view);
}

/** Forgets what `container` shows (sign-out). */
export function clearStatement(container) {
  shown.delete(container);
  container.replaceChildren();
}

function build(container, options) {
  const id = options.id;
  const view = {
    id,
    status: h('p', { id: `${id}-status`, class: 'statement-status' }),
    facts: h('dl', { id: `${id}-facts`, class: 'facts' }),
    lines: h('table', { id: `${id}-lines` }),
    tiers: h('table', { id: `${id}-tiers` }),
    adjustments: h('table', { id: `${id}-adjustments` }),
    noAdjustments: h('p', { id: `${id}-no-adjustments` }),
    totals: h('dl', { id: `${id}-totals`, class: 'totals' }),
    csv: h('button', { type: 'button', id: `${id}-csv` }),
    verify: h('button', { type: 'button', id: `${id}-verify`, class: 'secondary' }),
    result: h('p', { id: `${id}-verify-result`, role: 'status' }),
    actions: h('div', { class: 'row' }),
  };
  container.classList.add('statement');
  view.csv.addEventListener('click', (event) => downloadCsv(view, event.currentTarget));
  view.verify.addEventListener('click', (event) => verify(view, event.currentTarget));
  container.replaceChildren(
    view.status,
    view.facts,
    h('div', { class: 'scroll' }, view.lines),
    h('div', { class: 'scroll' }, view.tiers),
    h('div', { class: 'scroll' }, view.adjustments),
    view.noAdjustments,
    view.totals,
    view.actions,
    view.result,
  );
  return view;
}

const head = (...columns) =>
  h(
    'thead',
    {},
    h(
      'tr',
      {},
      columns.map(([key, className]) => h('th', { scope: 'col', class: className, text: t(key) })),
    ),
  );
const rowsOr = (rows, columns) =>
  h(
    'tbody',
    {},
    rows.length ? rows : h('tr', {}, h('td', { colspan: String(columns), text: t('common.none') })),
  );
/** The code the API prices calls with when the agency has no plan (NO_PLAN in shared/billing/statement.ts). */
const NO_PLAN = 'NONE';

/** A plan version: its code as a code, then the version in words; no plan in words, not as `NONE v0`. */
const planVersion = (code, version) =>
  code === NO_PLAN
    ? h('span', { class: 'plan-version', 'data-plan': NO_PLAN, text: t('statement.noPlan') })
    : h(
        'span',
        { class: 'plan-version' },
        h('code', { text: code }),
        ` ${t('statement.version', { version })}`,
      );

/**
 * An adjustment in the page's language, from what it is (the signed English sits behind "Chi tiết"): late usage
 * counts calls metered after the close; a refund un-bills calls that stay counted (`calls` 0, `billable` < 0).
 */
const adjustmentText = (a) =>
  t(`adjustment.about.${a.reason}`, {
    period: formatPeriod(a.period),
    calls: formatCount(Math.abs(a.reason === 'reversal' ? a.billable : a.calls)),
  });

function fill(view) {
  const { statement, status, signed } = view.answer;
  view.status.replaceChildren(
    badge(status),
    signed ? ` ${t('statements.closedAt', { time: formatDateTime(signed.closedAt) })}` : '',
  );

  const included = statement.includedCalls;
  view.facts.replaceChildren(
    h('dt', { text: t('statement.plans') }),
    h(
      'dd',
      { 'data-fact': 'plans' },
      statement.plans.length
        ? statement.plans.flatMap((plan, i) => [
            i ? '; ' : '',
            planVersion(plan.code, plan.version),
            plan.code === NO_PLAN ? '' : ` (${plan.name})`,
          ])
        : t('statement.noPlan'),
    ),
    h('dt', { text: t('statement.feePlan') }),
    h('dd', { 'data-fact': 'fee-plan' }, planVersion(statement.feePlan.code, statement.feePlan.version)),
    h('dt', { text: t('statement.includedCalls') }),
    h('dd', {
      'data-fact': 'included',
      'data-used': included?.used,
      'data-allowance': included?.allowance,
      text: included
        ? t('statement.includedUsed', {
            used: formatCount(included.used),
            allowance: formatCount(included.allowance),
          })
        : t('statement.includedUnknown'),
    }),
  );

  view.lines.replaceChildren(
    h('caption', { text: t('statement.byOperation') }),
    head(
      ['common.operation'],
      ['common.calls', 'num'],
      ['common.billable', 'num'],
      ['statements.included', 'num'],
      ['statements.chargeable', 'num'],
      ['statements.amount', 'num'],
    ),
    rowsOr(
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
    ),
  );

  const tiers = statement.lines.flatMap((line) => line.tiers.map((tier) => ({ line, tier })));
  view.tiers.replaceChildren(
    h('caption', { text: t('statement.byTier') }),
    head(
      ['common.operation'],
      ['statement.plan'],
      ['statement.fromCall', 'num'],
      ['statement.toCall', 'num'],
      ['common.calls', 'num'],
      ['statement.unitPrice', 'num'],
      ['statements.amount', 'num'],
    ),
    rowsOr(
      tiers.map(({ line, tier }) =>
        h(
          'tr',
          { 'data-tier-of': line.operation, 'data-plan': `${tier.plan}@${tier.version}` },
          cell(opName(line.operation)),
          h('td', {}, planVersion(tier.plan, tier.version)),
          cell(formatCount(tier.fromCall), 'num'),
          cell(formatCount(tier.toCall), 'num'),
          cell(formatCount(tier.calls), 'num'),
          cell(formatVnd(tier.unitPriceVnd), 'num'),
          cell(formatVnd(tier.amountVnd), 'num'),
        ),
      ),
      7,
    ),
  );

  const adjustments = statement.adjustments;
  view.adjustments.hidden = adjustments.length === 0;
  view.noAdjustments.hidden = adjustments.length > 0;
  view.noAdjustments.textContent = t('statement.noAdjustments');
  view.adjustments.replaceChildren(
    h('caption', { text: t('statements.adjustments') }),
    head(
      ['common.period'],
      ['common.operation'],
      ['statement.reason'],
      ['statement.description'],
      ['common.calls', 'num'],
      ['common.billable', 'num'],
      ['statements.amount', 'num'],
    ),
    rowsOr(
      adjustments.map((a) =>
        h(
          'tr',
          { 'data-adjustment': a.reason, 'data-period': a.period, 'data-operation': a.operation },
          cell(formatPeriod(a.period)),
          cell(opName(a.operation)),
          h(
            'td',
            {},
            h('span', { class: `badge adjustment-${a.reason}`, text: t(`adjustment.${a.reason}`) }),
          ),
          h(
            'td',
            {},
            h('span', { class: 'about', text: adjustmentText(a) }),
            // The gateway's own words, as signed and as in the CSV file.
            h(
              'details',
              { class: 'reason-details' },
              h('summary', { text: t('problem.details') }),
              h('span', { lang: 'en', class: 'signed-description', text: a.description }),
            ),
          ),
          cell(formatCount(a.calls), 'num'),
          cell(formatCount(a.billable), 'num'),
          cell(formatVnd(a.amountVnd), 'num'),
        ),
      ),
      7,
    ),
  );

  const fee = statement.feePlan;
  const totals = [
    ['statements.usage', statement.usageVnd],
    fee.code === NO_PLAN
      ? ['statements.feeNoPlan', statement.monthlyFeeVnd, undefined, 'statements.fee']
      : ['statements.fee', statement.monthlyFeeVnd, { plan: `${fee.code} ${t('statement.version', fee)}` }],
    ['statements.adjustments', statement.adjustmentsVnd],
    ['statements.subtotal', statement.subtotalVnd],
    ['statements.vat', statement.vatVnd, { percent: statement.vatPercent }],
    ['statements.grandTotal', statement.totalVnd],
  ];
  view.totals.replaceChildren(
    ...totals.flatMap(([key, amount, params, id = key]) => [
      h('dt', { text: t(key, params) }),
      h('dd', { text: formatVnd(amount), 'data-total': id, 'data-vnd': String(amount) }),
    ]),
  );

  view.csv.textContent = t('statements.csv');
  view.verify.textContent = t('statements.verify');
  view.verify.hidden = status !== 'closed' || !view.options.signed;
  view.actions.replaceChildren(view.csv, ...(view.options.actions ?? []), view.verify);
  renderVerification(view);
}

async function downloadCsv(view, button) {
  clearMessages();
  const text = await busy(t('common.loading'), () => view.options.csv(), { button });
  if (text === undefined) return;
  downloadBlob(csvBlob(text), `${view.options.filename}.csv`);
}

async function verify(view, button) {
  clearMessages();
  const answer = view.answer;
  view.verification = undefined;
  renderVerification(view);
  await busy(
    t('statements.verifying'),
    async () => {
      const [file, jwks] = await Promise.all([
        view.options.signed(),
        api.publicText('.well-known/jwks.json'),
      ]);
      let outcome;
      try {
        outcome = { ok: true, verified: await verifySignedStatement(file, JSON.parse(jwks)) };
      } catch (error) {
        if (!(error instanceof StatementVerificationError)) throw error;
        outcome = { ok: false, code: error.code };
      }
      if (view.answer !== answer) return;
      view.verification = outcome;
      renderVerification(view);
    },
    { button },
  );
}

function renderVerification(view) {
  const outcome = view.verification;
  if (!outcome) {
    view.result.replaceChildren();
    return;
  }
  view.result.replaceChildren(
    outcome.ok
      ? h('span', {
          class: 'ok',
          'data-verified': 'true',
          text: t('statements.verified', {
            kid: outcome.verified.kid,
            total: formatVnd(outcome.verified.totalVnd),
            sha: outcome.verified.sha256,
          }),
        })
      : h('span', {
          class: 'bad',
          'data-verified': 'false',
          text: t('statements.verifyFailed', { reason: t(`verify.${outcome.code}`) }),
        }),
  );
}

export const messages = {
  vi: {
    'statement.plans': 'Gói cước tính giá',
    'statement.noPlan': 'Không có gói cước (không tính tiền)',
    'statement.feePlan': 'Phí tháng và lượt miễn phí theo gói',
    'statement.version': 'phiên bản {version}',
    'statement.includedCalls': 'Lượt miễn phí trong tháng',
    'statement.includedUsed': 'đã dùng {used} trên {allowance} lượt',
    'statement.includedUnknown': 'không ghi trong bảng kê này (khóa sổ trước khi có thông tin này)',
    'statement.byOperation': 'Theo nghiệp vụ',
    'statement.byTier': 'Cách tính tiền: từng bậc giá',
    'statement.plan': 'Gói cước',
    'statement.fromCall': 'Từ lượt',
    'statement.toCall': 'Đến lượt',
    'statement.unitPrice': 'Đơn giá',
    'statement.reason': 'Lý do',
    'statement.description': 'Mô tả (của cổng dữ liệu)',
    'statement.noAdjustments': 'Không có điều chỉnh nào.',
    'adjustment.late-usage': 'Ghi nhận muộn',
    'adjustment.reversal': 'Hoàn lượt gọi',
    'adjustment.about.late-usage':
      '{calls} lượt gọi của tháng {period} được ghi nhận sau khi tháng đã khóa sổ',
    'adjustment.about.reversal': '{calls} lượt gọi tính phí của tháng {period} được hoàn tiền',
    'statements.included': 'Miễn phí',
    'statements.chargeable': 'Tính phí',
    'statements.amount': 'Thành tiền',
    'statements.usage': 'Tiền sử dụng',
    'statements.fee': 'Phí hằng tháng (gói {plan})',
    'statements.feeNoPlan': 'Phí hằng tháng (không có gói cước)',
    'statements.adjustments': 'Điều chỉnh',
    'statements.subtotal': 'Cộng',
    'statements.vat': 'Thuế GTGT ({percent}%)',
    'statements.grandTotal': 'Tổng thanh toán',
    'statements.csv': 'Tải CSV',
    'statements.closedAt': 'Khóa sổ lúc {time}',
    'statements.verify': 'Kiểm tra chữ ký',
    'statements.verifying': 'Đang kiểm tra chữ ký…',
    'statements.verified':
      'Chữ ký hợp lệ: bảng kê do cổng dữ liệu ký bằng khóa {kid}; tổng {total}; SHA-256 {sha}.',
    'statements.verifyFailed': 'Chữ ký KHÔNG hợp lệ: {reason}',
    'verify.malformed': 'tệp không phải là bảng kê đã ký.',
    'verify.notCanonical': 'tệp không còn đúng từng byte như khi cổng dữ liệu phát hành.',
    'verify.unknownKey': 'khóa ký không có trong bộ khóa công khai (JWKS) của cổng dữ liệu.',
    'verify.badSignature': 'chữ ký không khớp với khóa công khai.',
    'verify.payloadMismatch': 'nội dung bảng kê khác với nội dung đã ký.',
    'verify.hashMismatch': 'mã băm SHA-256 không khớp với nội dung đã ký.',
  },
  en: {
    'statement.plans': 'Priced with',
    'statement.noPlan': 'No plan (not charged)',
    'statement.feePlan': 'Monthly fee and included calls from',
    'statement.version': 'version {version}',
    'statement.includedCalls': 'Included calls this month',
    'statement.includedUsed': '{used} of {allowance} used',
    'statement.includedUnknown': 'not recorded on this statement (closed before it was)',
    'statement.byOperation': 'By operation',
    'statement.byTier': 'How it is priced: each price tier',
    'statement.plan': 'Plan',
    'statement.fromCall': 'From call',
    'statement.toCall': 'To call',
    'statement.unitPrice': 'Unit price',
    'statement.reason': 'Reason',
    'statement.description': "Description (the gateway's)",
    'statement.noAdjustments': 'No adjustments.',
    'adjustment.late-usage': 'Late usage',
    'adjustment.reversal': 'Refunded calls',
    'adjustment.about.late-usage': '{calls} calls of {period} metered after the month was closed',
    'adjustment.about.reversal': '{calls} billable calls of {period} refunded',
    'statements.included': 'Included',
    'statements.chargeable': 'Chargeable',
    'statements.amount': 'Amount',
    'statements.usage': 'Usage',
    'statements.fee': 'Monthly fee (plan {plan})',
    'statements.feeNoPlan': 'Monthly fee (no plan)',
    'statements.adjustments': 'Adjustments',
    'statements.subtotal': 'Subtotal',
    'statements.vat': 'VAT ({percent}%)',
    'statements.grandTotal': 'Total due',
    'statements.csv': 'Download CSV',
    'statements.closedAt': 'Closed at {time}',
    'statements.verify': 'Verify the signature',
    'statements.verifying': 'Verifying the signature…',
    'statements.verified':
      'Valid signature: signed by the gateway with key {kid}; total {total}; SHA-256 {sha}.',
    'statements.verifyFailed': 'The signature is NOT valid: {reason}',
    'verify.malformed': 'the file is not a signed statement.',
    'verify.notCanonical': 'the file is not byte for byte what the gateway issued.',
    'verify.unknownKey': "the signing key is not in the gateway's published keys (JWKS).",
    'verify.badSignature': 'the signature does not match the public key.',
    'verify.payloadMismatch': 'the statement differs from what was signed.',
    'verify.hashMismatch': 'the SHA-256 does not match the signed content.',
  },
};
