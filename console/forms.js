/**
 * Pure parsing and shaping for the console's forms and finance views (no DOM): integers typed the Vietnamese
 * way, graduated price tiers, a pasted public JWK, budget states, the pages of a CSV export and its cells that a
 * spreadsheet would run as formulas.
 */

/** The most tiers an operation may have (as shared/identity/plans.ts allows). */
export const MAX_TIERS = 20;
/** A budget is "near" its cap from this share of it. */
export const NEAR_CAP = 0.8;

/**
 * A non-negative integer typed with or without thousands separators (`1.000.000`, `1 000 000`, `1000000`);
 * undefined for anything else (a decimal, a sign, letters).
 */
export function parseInteger(text) {
  const trimmed = String(text).trim();
  if (!/^\d{1,3}([. \u00a0]\d{3})*$|^\d+$/.test(trimmed)) return undefined;
  const value = Number(trimmed.replace(/[. \u00a0]/g, ''));
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * Graduated tiers typed as `up to: price` steps separated by `;` or new lines, the last one a price only:
 * `10.000: 500; 300` is the first 10 000 calls of the month at 500 ₫ each and every later call at 300 ₫.
 * Returns `{ tiers }` in the API's shape (`[{ upTo, priceVnd }, { priceVnd }]`; `[]` for empty text), or
 * `{ error: { code, params } }` naming the first problem: `number`, `openBeforeLast`, `lastNotOpen`,
 * `notAscending` or `tooMany`.
 */
export function parseTiers(text) {
  const steps = String(text)
    .split(/[;\n]+/)
    .map((step) => step.trim())
    .filter(Boolean);
  if (steps.length > MAX_TIERS) return { error: { code: 'tooMany', params: { most: MAX_TIERS } } };
  const tiers = [];
  for (const [i, step] of steps.entries()) {
    const parts = step.split(':').map((part) => part.trim());
    if (parts.length > 2) return { error: { code: 'number', params: { value: step } } };
    const last = i === steps.length - 1;
    if (parts.length === 1) {
      const priceVnd = parseInteger(parts[0]);
      if (priceVnd === undefined) return { error: { code: 'number', params: { value: parts[0] } } };
      if (!last) return { error: { code: 'openBeforeLast', params: { step } } };
      tiers.push({ priceVnd });
      continue;
    }
    const upTo = parseInteger(parts[0]);
    const priceVnd = parseInteger(parts[1]);
    if (upTo === undefined || upTo < 1) return { error: { code: 'number', params: { value: parts[0] } } };
    if (priceVnd === undefined) return { error: { code: 'number', params: { value: parts[1] } } };
    if (last) return { error: { code: 'lastNotOpen', params: { step } } };
    const previous = tiers.at(-1)?.upTo;
    if (previous !== undefined && upTo <= previous) {
      return { error: { code: 'notAscending', params: { value: upTo, previous } } };
    }
    tiers.push({ upTo, priceVnd });
  }
  return { tiers };
}

/** Tiers as the text parseTiers reads, with Vietnamese thousands separators (to edit a plan again). */
export function tiersText(tiers) {
  const n = (value) => new Intl.NumberFormat('vi-VN').format(value);
  return tiers
    .map((tier) => (tier.upTo === undefined ? n(tier.priceVnd) : `${n(tier.upTo)}: ${n(tier.priceVnd)}`))
    .join('; ');
}

/** Tiers as call ranges: `[{ from: 1, to: 10000, priceVnd }, { from: 10001, priceVnd }]` (`to` absent when open). */
export function tierRanges(tiers) {
  let from = 1;
  return tiers.map((tier) => {
    const range =
      tier.upTo === undefined
        ? { from, priceVnd: tier.priceVnd }
        : { from, to: tier.upTo, priceVnd: tier.priceVnd };
    if (tier.upTo !== undefined) from = tier.upTo + 1;
    return range;
  });
}

/**
 * A public JWK pasted as JSON: `{ jwk }`, or `{ error: { code, detail? } }` with code `empty`, `json` (with
 * the parser's message) or `notObject`. Whether the key is acceptable is for the gateway to say.
 */
export function parseJwk(text) {
  const trimmed = String(text).trim();
  if (!trimmed) return { error: { code: 'empty' } };
  let value;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    return { error: { code: 'json', detail: error instanceof Error ? error.message : String(error) } };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { error: { code: 'notObject' } };
  return { jwk: value };
}

/**
 * Where an agency stands against its budget cap: `reached` (spent at least the cap), `near` (at least
 * NEAR_CAP of it) or `within`, and the share spent in whole percent (rounded down, so 100 % means reached).
 */
export function budgetState({ capVnd, spentVnd, reached }) {
  const percent = capVnd > 0 ? Math.floor((spentVnd * 100) / capVnd) : spentVnd > 0 ? 100 : 0;
  if (reached || spentVnd >= capVnd) return { state: 'reached', percent: Math.max(percent, 100) };
  return { state: spentVnd >= capVnd * NEAR_CAP ? 'near' : 'within', percent: Math.min(percent, 99) };
}

/** Budget rows sorted for attention: reached first, then near, then within; by share spent within each. */
export function sortBudgets(items) {
  const rank = { reached: 0, near: 1, within: 2 };
  return items
    .map((item) => ({ ...item, ...budgetState(item) }))
    .sort(
      (a, b) =>
        rank[a.state] - rank[b.state] || b.percent - a.percent || (a.agencyName < b.agencyName ? -1 : 1),
    );
}

/**
 * Pages of one CSV export (each with the byte order mark and the header row) as one file: the first page
 * whole, the header and mark of every later page dropped.
 */
export function joinCsvPages(pages) {
  return pages
    .map((page, i) => {
      if (i === 0) return page.endsWith('\n') || page === '' ? page : `${page}\r\n`;
      const body = page.replace(/^\uFEFF/, '');
      const rest = body.slice(body.indexOf('\n') + 1);
      return !body.includes('\n') ? '' : rest.endsWith('\n') || rest === '' ? rest : `${rest}\r\n`;
    })
    .join('');
}

/** Text a spreadsheet would run as a formula (OWASP's CSV injection list; shared/billing/csv.ts is the same). */
const FORMULA_START = /^\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|^[\t\r]/;
/** A plain decimal number: a spreadsheet reads it as a number and nothing more, so `-500` (a refund) stays one. */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * A CSV export (RFC 4180) with every cell that a spreadsheet would run as a formula neutralised as OWASP advises:
 * prefixed with a single quote and quoted. The gateway already does this; the console checks again before
 * saving a file finance will open. Plain numbers and every other byte (the byte order mark, line ends, quoting)
 * are left as they are, so a file that is already safe comes out unchanged.
 */
export function neutraliseCsv(text) {
  let out = '';
  let i = 0;
  if (text.startsWith('\uFEFF')) {
    out = '\uFEFF';
    i = 1;
  }
  while (i <= text.length) {
    const start = i;
    let value;
    if (text[i] === '"') {
      value = '';
      i++;
      while (i < text.length) {
        if (text[i] === '"' && text[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else {
          value += text[i++];
        }
      }
      // Anything between the closing quote and the separator is malformed: kept, but read as part of the cell.
      while (i < text.length && !',\r\n'.includes(text[i])) value += text[i++];
    } else {
      while (i < text.length && !',\r\n'.includes(text[i])) i++;
      value = text.slice(start, i);
    }
    const raw = text.slice(start, i);
    out += FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `"'${value.replace(/"/g, '""')}"` : raw;
    if (i >= text.length) break;
    // The separator or line end after the cell, as it was.
    const end = text.startsWith('\r\n', i) ? 2 : 1;
    out += text.slice(i, i + end);
    i += end;
  }
  return out;
}
