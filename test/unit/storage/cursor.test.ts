import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createBaseApp } from '../../../shared/http/app';
import { decodeCursor, encodeCursor, InvalidCursorError } from '../../../shared/storage/cursor';
import { captureLogs } from '../../support/deps';

const Position = z.strictObject({ after: z.string().min(1) });

describe('cursor codec', () => {
  it('reads back the position it encoded, and no cursor as none', () => {
    const cursor = encodeCursor({ after: '2026-11-15T05:00:00.000Z#req-1' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, Position)).toEqual({ after: '2026-11-15T05:00:00.000Z#req-1' });
    expect(decodeCursor(undefined, Position)).toBeUndefined();
    expect(decodeCursor('', Position)).toBeUndefined();
  });

  it('refuses what it did not issue: not base64url as encoded, not JSON, or not what the schema reads', () => {
    const issued = encodeCursor({ after: 'x' });
    for (const cursor of [
      'not a cursor',
      `${issued}=`,
      `${issued}.`,
      Buffer.from('{"after":').toString('base64url'),
      encodeCursor({ after: '' }),
      encodeCursor({ after: 'x', extra: 1 }),
      encodeCursor(['x']),
    ]) {
      expect(() => decodeCursor(cursor, Position), cursor).toThrow(InvalidCursorError);
    }
  });

  it('is a 400 problem, worded by the query that refuses it when it says why', async () => {
    const refused = new InvalidCursorError();
    expect(refused).toMatchObject({ status: 400, slug: 'bad-request', name: 'InvalidCursorError' });
    expect(refused.detail).toBe('The cursor is not one this gateway issued; start again without it.');
    expect(() => decodeCursor('x', Position, 'Not one for this search.')).toThrow('Not one for this search.');

    const app = createBaseApp({ logger: captureLogs().logger, maxBodyBytes: 1024 });
    app.get('/paged', () => {
      throw refused;
    });
    const response = await app.request('/paged');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({
      type: '/problems/bad-request',
      title: 'Bad Request',
      detail: 'The cursor is not one this gateway issued; start again without it.',
    });
  });
});
