import type { Statement } from './statement';

/** UTF-8 byte order mark: without it, spreadsheet programs read Vietnamese text as Latin-1 mojibake. */
export const BOM = '\uFEFF';

/**
 * Text a spreadsheet would run as a formula: it starts, after any whitespace, with `=`, `+`, `-` or `@` (or their
 * full-width forms, which some spreadsheet programs take for them), or with a tab or CR (OWASP's CSV injection list).
 */
const FORMULA_START = /^\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|^[\t\r]/;

function cell(value: string | number | undefined): string {
  // Numbers are computed by the gateway (a refund is -500): they stay numbers a spreadsheet can add up.
  if (typeof value === 'number') return String(value);
  const text = value ?? '';
  // Text can come from callers (Idempotency-Key), admins (agency names) or finance: never a live formula.
  // OWASP's advice: prefix a single quote and quote the cell, so it is read as text.
  if (FORMULA_START.test(text)) return `"'${text.replace(/"/g, '""')}"`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Rows as RFC 4180 CSV (CRLF line ends), prefixed with the BOM. Numbers are written as they are; text that a
 * spreadsheet would take for a formula is neutralised (see FORMULA_START).
 */
export function toCsv(rows: (string | number | undefined)[][]): string {
  return `${BOM}${rows.map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}

const HEADER = [
  'Mục / Item',
  'Nghiệp vụ / Operation',
  'Gói / Plan',
  'Từ lượt / From call',
  'Đến lượt / To call',
  'Số lượt / Calls',
  'Lượt tính phí / Billable',
  'Lượt miễn phí / Included',
  'Đơn giá / Unit price (VND)',
  'Thành tiền / Amount (VND)',
];

/** The same statement as the JSON, one row per line, tier, fee, adjustment and total. */
export function statementCsv(s: Statement): string {
  const rows: (string | number | undefined)[][] = [
    ['Bảng kê / Statement', s.period, 'Cơ quan / Agency', s.agencyName, s.agencyId],
    [
      'Gói áp dụng / Plans',
      s.plans.map((p) => `${p.code}@${p.version} ${p.name}`).join('; '),
      'Phí tháng theo / Fee plan',
      `${s.feePlan.code}@${s.feePlan.version}`,
    ],
    ...(s.includedCalls
      ? [
          [
            'Lượt miễn phí trong tháng / Included calls this month',
            s.includedCalls.allowance,
            'Đã dùng / Used',
            s.includedCalls.used,
          ],
        ]
      : []),
    HEADER,
  ];
  for (const line of s.lines) {
    rows.push([
      'Dòng / Line',
      line.operation,
      undefined,
      undefined,
      undefined,
      line.calls,
      line.billable,
      line.included,
      undefined,
      line.amountVnd,
    ]);
    for (const t of line.tiers) {
      rows.push([
        'Bậc giá / Tier',
        line.operation,
        `${t.plan}@${t.version}`,
        t.fromCall,
        t.toCall,
        t.calls,
        undefined,
        undefined,
        t.unitPriceVnd,
        t.amountVnd,
      ]);
    }
  }
  rows.push([
    'Phí tháng / Monthly fee',
    '',
    `${s.feePlan.code}@${s.feePlan.version}`,
    ...blank(6),
    s.monthlyFeeVnd,
  ]);
  for (const a of s.adjustments) {
    rows.push([
      `Điều chỉnh / Adjustment ${a.period}`,
      a.operation,
      a.description,
      undefined,
      undefined,
      a.calls,
      a.billable,
      undefined,
      undefined,
      a.amountVnd,
    ]);
  }
  rows.push(['Cộng / Subtotal', ...blank(8), s.subtotalVnd]);
  rows.push([`Thuế GTGT / VAT ${s.vatPercent}%`, ...blank(8), s.vatVnd]);
  rows.push(['Tổng cộng / Total', ...blank(8), s.totalVnd]);
  return toCsv(rows);
}

const blank = (n: number) => Array.from({ length: n }, () => undefined);
