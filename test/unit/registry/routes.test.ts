import { describe, expect, it } from 'vitest';
import {
  BusinessSearchQuerySchema,
  getBusinessRoute,
  getCitizenRoute,
  RegistryHeadersSchema,
  registryOperations,
  searchBusinessesRoute,
  VerifyRequestSchema,
  verifyCitizenRoute,
} from '../../../functions/registry/routes';
import { newRouter } from '../../../shared/http/app';
import { createErrorHandler } from '../../../shared/http/problem';
import { problemOf } from '../../support/answers';
import { captureLogs } from '../../support/deps';

/** The routes with echo handlers: what reaches a handler is what the schemas let through. */
function echoApp() {
  const app = newRouter();
  app.onError(createErrorHandler(captureLogs().logger));
  app.openapi(getCitizenRoute, (c) =>
    c.json({
      params: c.req.valid('param'),
      query: c.req.valid('query'),
      headers: c.req.valid('header'),
    } as never),
  );
  app.openapi(verifyCitizenRoute, (c) => c.json({ body: c.req.valid('json') } as never));
  app.openapi(getBusinessRoute, (c) => c.json({ params: c.req.valid('param') } as never));
  app.openapi(searchBusinessesRoute, (c) => c.json({ query: c.req.valid('query') } as never));
  return app;
}

const purpose = { 'X-Purpose': '1.001234' };

async function problem(response: Response) {
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return problemOf(response, 400);
}

describe('registry request validation', () => {
  const app = echoApp();

  it('passes a well-formed lookup through with parsed fields and headers', async () => {
    const response = await app.request('/v1/citizens/001099012345?fields=fullName,%20dateOfBirth,fullName', {
      headers: {
        ...purpose,
        'x-officer-id': 'CB-048-0192',
        'X-Case-Id': 'HS-2026/001234',
        'Idempotency-Key': 'k-1',
      },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      params: { nationalId: '001099012345' },
      query: { fields: ['fullName', 'dateOfBirth'] },
      headers: {
        'X-Purpose': '1.001234',
        'X-Officer-Id': 'CB-048-0192',
        'X-Case-Id': 'HS-2026/001234',
        'Idempotency-Key': 'k-1',
      },
    });
  });

  it.each([
    ['12345', 'exactly 12 digits'],
    ['999099012345', '999 is not a province code'],
  ])('answers 400 to the malformed national ID %s', async (id, reason) => {
    const body = await problem(await app.request(`/v1/citizens/${id}`, { headers: purpose }));
    expect(body.detail).toContain(reason);
  });

  it('answers 400 to an unknown field name (a typo would otherwise silently return nothing)', async () => {
    const body = await problem(
      await app.request('/v1/citizens/001099012345?fields=fullname', { headers: purpose }),
    );
    expect(body.detail).toContain('unknown field fullname');
  });

  it('answers 400 without X-Purpose, or with a malformed officer, case or idempotency key', async () => {
    expect((await problem(await app.request('/v1/citizens/001099012345'))).detail).toContain('X-Purpose');
    for (const [header, value] of [
      ['X-Purpose', 'has spaces'],
      ['X-Officer-Id', 'officer 7'],
      ['X-Case-Id', 'x'.repeat(65)],
      ['Idempotency-Key', 'é'],
      ['Idempotency-Key', '=HYPERLINK("https://evil.example/")'],
      ['Idempotency-Key', 'k 1'],
    ] as const) {
      const body = await problem(
        await app.request('/v1/citizens/001099012345', { headers: { ...purpose, [header]: value } }),
      );
      expect(body.detail).toContain(header);
    }
  });

  it('accepts enterprise and branch codes, and answers 400 to anything else', async () => {
    for (const code of ['0401234567', '0401234567-001']) {
      expect((await app.request(`/v1/businesses/${code}`, { headers: purpose })).status).toBe(200);
    }
    for (const code of ['040123456', '0401234567-01', '0401234567001']) {
      await problem(await app.request(`/v1/businesses/${code}`, { headers: purpose }));
    }
  });

  it('defaults the search page size to 20 and bounds it at 100', async () => {
    const ok = await app.request('/v1/businesses?name=song%20han', { headers: purpose });
    expect(await ok.json()).toEqual({ query: { name: 'song han', limit: 20 } });
    await problem(await app.request('/v1/businesses?name=song%20han&limit=101', { headers: purpose }));
    await problem(await app.request('/v1/businesses?name=song%20han&limit=0', { headers: purpose }));
  });

  it('answers 400 to a search by legal form alone, or in an unknown province', async () => {
    const legal = await problem(
      await app.request('/v1/businesses?name=C%C3%B4ng%20ty%20TNHH', { headers: purpose }),
    );
    expect(legal.detail).toContain('legal form');
    const province = await problem(
      await app.request('/v1/businesses?name=song&province=Atlantis', { headers: purpose }),
    );
    expect(province.detail).toContain('not a province');
  });

  it('takes verify claims, refusing unknown keys and a request with no claim', async () => {
    const post = (body: unknown) =>
      app.request('/v1/citizens/verify', {
        method: 'POST',
        headers: { ...purpose, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const ok = await post({
      nationalId: '001099012345',
      fullName: 'Nguyễn Văn An',
      dateOfBirth: '1999-05-14',
    });
    expect(ok.status).toBe(200);
    expect((await problem(await post({ nationalId: '001099012345' }))).detail).toContain(
      'at least one claim',
    );
    expect((await problem(await post({ nationalId: '001099012345', fullname: 'x' }))).detail).toContain(
      'fullname',
    );
    expect(
      (await problem(await post({ nationalId: '001099012345', dateOfBirth: '14/05/1999' }))).detail,
    ).toContain('dateOfBirth');
  });
});

describe('registry OpenAPI description', () => {
  const app = echoApp();
  const document = app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'NDG', version: '1' } });

  it('describes every registry route with its headers, security (bearer or oauth2) and problem responses', () => {
    expect(registryOperations).toHaveLength(4);
    for (const { operation: scope, route } of registryOperations) {
      const path = route.path;
      const operation = document.paths?.[path]?.[route.method];
      expect(operation, `${route.method} ${path}`).toBeDefined();
      expect(operation?.security).toEqual([{ bearer: [] }, { oauth2: [scope] }]);
      const headers = (operation?.parameters ?? [])
        .filter((p) => 'in' in p && p.in === 'header')
        .map((p) => ('name' in p ? p.name : ''));
      expect(headers).toEqual(['X-Purpose', 'X-Officer-Id', 'X-Case-Id', 'Idempotency-Key']);
      expect(Object.keys(operation?.responses ?? {})).toEqual(
        expect.arrayContaining(['200', '400', '401', '402', '403', '404', '409', '429', '502', '503', '504']),
      );
    }
  });

  it('documents the characters an Idempotency-Key may use', () => {
    const operation = document.paths?.['/v1/citizens/{nationalId}']?.get;
    const header = (operation?.parameters ?? []).find((p) => 'name' in p && p.name === 'Idempotency-Key');
    expect(header && 'schema' in header ? header.schema : undefined).toMatchObject({
      pattern: '^[A-Za-z0-9._:-]{1,128}$',
    });
    expect(header && 'description' in header ? header.description : '').toContain(
      'letters A-Z and a-z, digits, dot, underscore, colon and dash',
    );
  });

  it('gives examples built from the documented demo records', () => {
    const schemas = document.components?.schemas ?? {};
    expect(JSON.stringify(schemas.Citizen)).toContain('Nguyễn Văn An');
    expect(JSON.stringify(schemas.Business)).toContain('Công ty Cổ phần Công nghệ Sông Hàn');
    expect(JSON.stringify(schemas.VerifyRequest)).toContain('001099012345');
  });

  it('parses the schemas the same way outside the router', () => {
    expect(RegistryHeadersSchema.safeParse({ 'X-Purpose': '1.001234' }).success).toBe(true);
    expect(VerifyRequestSchema.safeParse({ nationalId: '001099012345', gender: 'male' }).success).toBe(true);
    expect(BusinessSearchQuerySchema.parse({ name: 'ha long', limit: '5' })).toEqual({
      name: 'ha long',
      limit: 5,
    });
  });
});
