import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { describe, expect, it } from 'vitest';
import { messages } from '../../../console/catalogue.js';
import { fieldMessageKey, problemKey, problemSlug } from '../../../console/problems.js';
import * as errors from '../../../shared/errors';
import { createErrorHandler } from '../../../shared/http/problem';
import * as registryErrors from '../../../shared/registry/errors';
import { problemOf } from '../../support/answers';

/** Every problem type the gateway can answer, read from the code, has words in both languages. */

const vi = messages.vi;
const en = messages.en;

/** The slug of each AppError class the domain throws (constructed with placeholder arguments). */
function domainSlugs(): { name: string; slug: string; title: string }[] {
  const found = [];
  for (const [name, value] of Object.entries({ ...errors, ...registryErrors })) {
    if (typeof value !== 'function' || value === errors.AppError || value === errors.OAuthError) continue;
    if (!(value.prototype instanceof errors.AppError)) continue;
    const Class = value as unknown as new (...args: unknown[]) => errors.AppError;
    const error = new Class('population', 'detail', 1);
    found.push({ name, slug: error.slug, title: error.title });
  }
  return found;
}

/** The OAuth error codes (the union in shared/errors.ts), as the token endpoint answers them. */
function oauthSlugs(): { slug: string; title: string }[] {
  const source = readFileSync(join(process.cwd(), 'shared', 'errors.ts'), 'utf8');
  const union = /export type OAuthErrorCode =([^;]+);/.exec(source)?.[1] ?? '';
  const codes = [...union.matchAll(/'([a-z_]+)'/g)].map((m) => m[1] as errors.OAuthErrorCode);
  expect(codes.length).toBeGreaterThan(3);
  return codes.map((code) => {
    const error = new errors.OAuthError(code, 'detail');
    return { slug: error.slug, title: error.title };
  });
}

/** Slugs written out where a response is made by hand (`problemResponse(c, status, { slug: '...' })`). */
function literalSlugs(): string[] {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
    });
  return ['shared', 'functions', 'local'].flatMap((dir) =>
    files(join(process.cwd(), dir)).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\bslug: '([a-z0-9-]+)'/g)].map((m) => m[1] as string),
    ),
  );
}

/** The type the error boundary gives a bare HTTP status (hono's HTTPException): a named slug or `http-<status>`. */
async function statusTypes(): Promise<{ status: number; slug: string; title: string }[]> {
  const app = new OpenAPIHono();
  app.get('/:status', (c) => {
    throw new HTTPException(Number(c.req.param('status')) as ContentfulStatusCode);
  });
  app.onError(createErrorHandler({ error() {}, warn() {}, info() {} } as never));
  const statuses = [400, 401, 402, 403, 404, 405, 406, 409, 413, 415, 422, 429, 431, 500, 502, 503, 504];
  return Promise.all(
    statuses.map(async (status) => {
      const body = await problemOf(await app.request(`/${status}`), status);
      return { status, slug: problemSlug(body.type) as string, title: body.title };
    }),
  );
}

describe('problem messages of the console', () => {
  it('words every problem type the domain throws, in Vietnamese and English, never with its English title', () => {
    const thrown = [...domainSlugs(), ...oauthSlugs()];
    expect(thrown.map((t) => t.slug)).toEqual(
      expect.arrayContaining([
        'validation-error',
        'last-admin-credential',
        'oauth-invalid-client',
        'custodian-timeout',
      ]),
    );
    for (const { slug, title } of thrown) {
      // No status to fall back on: the slug itself must have words.
      const key = problemKey(slug, 0);
      expect(key, slug).not.toBe('problem.unknown');
      expect(vi[key], slug).not.toContain(title);
      expect(en[key], slug).toBeTruthy();
    }
  });

  it('words the slugs written out by hand, and every status the error boundary answers bare', async () => {
    for (const slug of literalSlugs()) expect(problemKey(slug, 0), slug).not.toBe('problem.unknown');
    for (const { status, slug, title } of await statusTypes()) {
      const key = problemKey(slug, status);
      expect(key, `${status} ${slug}`).not.toBe('problem.unknown');
      expect(vi[key], `${status}`).not.toContain(title);
    }
  });

  it('falls back on the status for a type it does not know, and says the status when nothing fits', () => {
    expect(problemKey('some-new-conflict', 409)).toBe('problem.conflict');
    expect(problemKey(undefined, 503)).toBe('problem.service-unavailable');
    expect(problemKey('http-418', 418)).toBe('problem.unknown');
    expect(problemSlug('https://example.com/other')).toBeUndefined();
  });

  it('words an invalid field from its zod issue code and limits', () => {
    expect(fieldMessageKey({ code: 'too_small', params: { origin: 'string', minimum: 3 } })).toEqual({
      key: 'field.too_small.string',
      params: { limit: 3 },
    });
    expect(
      fieldMessageKey({ code: 'too_big', params: { origin: 'number', maximum: 5, inclusive: false } }).key,
    ).toBe('field.too_big.number.strict');
    expect(fieldMessageKey({ code: 'custom', params: { rule: 'burst-at-least-per-second' } }).key).toBe(
      'field.rule.burst-at-least-per-second',
    );
    expect(fieldMessageKey({ code: 'custom', params: { rule: 'no-such-rule' } }).key).toBe('field.invalid');
    expect(fieldMessageKey({}).key).toBe('field.invalid');
    for (const key of Object.keys(vi).filter((k) => k.startsWith('field.')))
      expect(en[key], key).toBeTruthy();
  });
});
