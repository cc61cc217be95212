/**
 * Refused registry attempts as the trail records them, for the audit page and an agency's own calls: the
 * reason slugs the gateway writes and their words (each page says them in its own terms, under its own keys).
 */
import { t } from './context.js';
import { problemKey } from './problems.js';

/** The record standing for a minute's refusals beyond those recorded one by one (shared/audit/refusals.ts). */
export const SUMMARY_ACTION = 'refusals-beyond-limit';

/** Why the gateway refuses a registry call (functions/registry/refusals.ts). */
export const REFUSAL_REASONS = [
  'unauthorized',
  'forbidden',
  'agency-suspended',
  'budget-exhausted',
  'conflict',
  'too-many-requests',
];

/** A refused record's reason, `<slug>: <English detail>`, as its slug and detail. */
export function reasonOf(record) {
  const match = /^([a-z0-9-]+): ([\s\S]*)$/.exec(record.reason ?? '');
  return match ? { slug: match[1], detail: match[2] } : { slug: undefined, detail: record.reason };
}

/**
 * Why an attempt was refused, in the page's language, as a clause after "Refused": `${prefix}.${slug}` for the
 * gateway's own reasons, else the wording of the problem the caller was answered with.
 */
export function refusalText(record, prefix) {
  const { slug } = reasonOf(record);
  if (REFUSAL_REASONS.includes(slug)) return t(`${prefix}.${slug}`);
  const text = t(problemKey(slug, record.status), { status: record.status });
  return text[0].toLocaleLowerCase() + text.slice(1);
}
