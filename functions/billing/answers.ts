import type { StatementView } from '../../shared/billing/service';
import { signedStatementFile } from '../../shared/billing/signed';
import { NotFoundError } from '../../shared/errors';

/** What finance's and the agencies' statement routes share: CSV on request, and the signed file of a closed month. */
export const wantsCsv = (accept: string | undefined) => /\btext\/csv\b/i.test(accept ?? '');

export const csvHeaders = (filename: string) => ({
  'Content-Type': 'text/csv; charset=utf-8',
  'Content-Disposition': `attachment; filename="${filename}"`,
});

/** The signed file of a closed month (404 while it is open), with its download name. */
export function signedFileOf(view: StatementView, agencyId: string, period: string) {
  if (!view.signed) {
    throw new NotFoundError(`Period ${period} is not closed yet: there is no signed statement.`);
  }
  return {
    // Parsed back from the canonical text, its keys are in canonical order, so the body is that exact text.
    file: JSON.parse(signedStatementFile(view.signed)) as typeof view.signed,
    headers: { 'Content-Disposition': `attachment; filename="statement-${agencyId}-${period}.json"` },
  };
}
