import type { z } from 'zod';
import { BadRequestError } from '../errors';

/** A cursor that this gateway did not issue (or that belongs to another query): the caller's error, a 400. */
export class InvalidCursorError extends BadRequestError {
  override name = 'InvalidCursorError';
  constructor(detail = 'The cursor is not one this gateway issued; start again without it.') {
    super(detail);
  }
}

/** One page of a listing; `cursor` is present when more may follow. */
export interface Page<T> {
  items: T[];
  cursor?: string | undefined;
}

/** The opaque cursor of a position: its JSON, base64url. Read it back with decodeCursor. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/**
 * The position a cursor from encodeCursor names, as `schema` reads it; no cursor (or an empty one) is none.
 * Anything else (not base64url as issued, not JSON, not what the schema accepts) is an InvalidCursorError,
 * with `detail` when the query words it itself.
 */
export function decodeCursor<S extends z.ZodType>(cursor: string, schema: S, detail?: string): z.output<S>;
export function decodeCursor<S extends z.ZodType>(
  cursor: string | undefined,
  schema: S,
  detail?: string,
): z.output<S> | undefined;
export function decodeCursor<S extends z.ZodType>(
  cursor: string | undefined,
  schema: S,
  detail?: string,
): z.output<S> | undefined {
  if (!cursor) return undefined;
  const json = Buffer.from(cursor, 'base64url').toString('utf8');
  // Buffer skips what is not base64url: only the exact text encodeCursor gives is one of ours.
  if (Buffer.from(json).toString('base64url') === cursor) {
    try {
      const parsed = schema.safeParse(JSON.parse(json));
      if (parsed.success) return parsed.data;
    } catch {
      // not JSON: refused below
    }
  }
  throw new InvalidCursorError(detail);
}
