import { z } from '@hono/zod-openapi';
import { startOfVietnamDay } from '../ledger/period';

const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** A range bound in epoch ms (NaN for text that is no instant). A date is that day in Vietnam: first or last ms. */
export function boundMs(value: string, end: boolean): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return Date.parse(value);
  const start = startOfVietnamDay(value).getTime();
  return end ? start + 86_400_000 - 1 : start;
}

/** A validated range bound as an ISO instant in UTC, what the trail's index keys start with. */
export const rangeBound = (value: string, end: boolean): string =>
  new Date(boundMs(value, end)).toISOString();

/**
 * An instant with an offset, or a calendar date, within 1970 to 9999 (an instant in UTC, a date by its own
 * calendar): beyond 9999 an ISO instant has a six-digit year and no longer sorts with the others.
 */
export const Instant = z.iso
  .datetime({ offset: true })
  .or(z.iso.date())
  .refine((value) => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value >= '1970-01-01';
    const at = Date.parse(value);
    return at >= EARLIEST && at <= LATEST;
  }, 'an instant or date is between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z')
  .openapi({
    description:
      'An ISO 8601 instant with its offset, or a date (that day in Asia/Ho_Chi_Minh), from 1970 to 9999.',
  });
