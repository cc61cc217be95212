import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { createRoute, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../../shared/errors';
import { createBaseApp, newRouter } from '../../../shared/http/app';
import { ProblemSchema } from '../../../shared/http/openapi';
import { answerOf } from '../../support/answers';
import { captureLogs } from '../../support/deps';

const STORE_REFUSAL =
  'Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:2031-07-09T10:11:12.000Z#=HYPERLINK}, upper bound operand: AttributeValue: {S:SUBJECT#001099012345}';

function appWithSampleRoutes(maxBodyBytes = 1024) {
  const { logger, logs } = captureLogs();
  const app = createBaseApp({ logger, maxBodyBytes });
  const router = newRouter();
  router.openapi(
    createRoute({
      method: 'post',
      path: '/things/{id}',
      request: {
        params: z.object({ id: z.string().regex(/^\d{3}$/, 'must be 3 digits') }),
        body: { content: { 'application/json': { schema: z.object({ name: z.string().min(1) }) } } },
      },
      responses: { 201: { description: 'created' } },
    }),
    (c) => c.json({ id: c.req.valid('param').id, name: c.req.valid('json').name }, 201),
  );
  router.get('/forbidden', () => {
    throw new ForbiddenError('Agency AG-1 is not entitled to citizen:read.');
  });
  router.get('/explode', () => {
    throw new Error('secret internal detail at /var/task/index.mjs');
  });
  router.get('/store-refuses', () => {
    // What DynamoDB answers a query whose bounds are reversed: it quotes them, here a caller's and a national ID.
    throw new DynamoDBServiceException({
      name: 'ValidationException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: STORE_REFUSAL,
    });
  });
  app.route('/', router);
  return { app, logs };
}

async function problemOf(response: Response) {
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  const body = await answerOf(response, ProblemSchema, response.status);
  expect(body).toMatchObject({ status: response.status, requestId: response.headers.get('x-request-id') });
  expect(typeof body.type).toBe('string');
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  return body;
}

describe('error boundary', () => {
  it('answers an unknown route with 404 problem+json naming the path', async () => {
    const { app } = appWithSampleRoutes();
    const response = await app.request('/nowhere');
    expect(response.status).toBe(404);
    const body = await problemOf(response);
    expect(body.detail).toContain('/nowhere');
    expect(body.instance).toBe('/nowhere');
  });

  it('answers a wrong method with 405 and an Allow header', async () => {
    const { app } = appWithSampleRoutes();
    const response = await app.request('/things/123', { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    await problemOf(response);
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const { app } = appWithSampleRoutes();
    const response = await app.request('/things/123', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"name": "An',
    });
    expect(response.status).toBe(400);
    const body = await problemOf(response);
    expect(body.detail).toMatch(/not valid JSON/);
  });

  it('answers a body over the limit with 413', async () => {
    const { app } = appWithSampleRoutes(100);
    const response = await app.request('/things/123', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(500) }),
    });
    expect(response.status).toBe(413);
    const body = await problemOf(response);
    expect(body.detail).toContain('100 bytes');
  });

  it('names each invalid field in a 400 validation problem', async () => {
    const { app } = appWithSampleRoutes();
    const response = await app.request('/things/12', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: '' }),
    });
    expect(response.status).toBe(400);
    const body = await problemOf(response);
    expect(body.title).toBe('Request validation failed');
    expect(body.detail).toContain('must be 3 digits');
    // The zod issue code and its limits beside the English message, for a client that words it itself.
    expect(body.errors).toEqual([
      {
        path: 'id',
        message: 'must be 3 digits',
        code: 'invalid_format',
        params: { origin: 'string', format: 'regex' },
      },
    ]);
  });

  it('maps a typed domain error to its status and precise detail', async () => {
    const { app } = appWithSampleRoutes();
    const response = await app.request('/forbidden');
    expect(response.status).toBe(403);
    const body = await problemOf(response);
    expect(body.detail).toBe('Agency AG-1 is not entitled to citizen:read.');
  });

  it('answers an unexpected failure with a bare 500 and logs it with the request id', async () => {
    const { app, logs } = appWithSampleRoutes();
    const response = await app.request('/explode');
    expect(response.status).toBe(500);
    const text = await response.clone().text();
    expect(text).not.toContain('secret internal detail');
    expect(text).not.toMatch(/at .*\.(ts|js|mjs):\d+/);
    const body = await problemOf(response);
    expect(body.detail).toBe('The gateway could not complete the request.');
    const logged = logs.lines.map((l) => JSON.parse(l)).find((l) => l.message === 'unhandled error');
    expect(logged?.requestId).toBe(body.requestId);
  });

  it("logs a store's refusal of a malformed request by name and summary, never with the values it quotes", async () => {
    const { app, logs } = appWithSampleRoutes();
    const response = await app.request('/store-refuses');
    expect(response.status).toBe(500);
    const body = await problemOf(response);
    expect(JSON.stringify(body)).not.toContain('ValidationException');
    const logged = logs.lines.map((l) => JSON.parse(l)).find((l) => l.message === 'unhandled error');
    expect(logged).toMatchObject({
      requestId: body.requestId,
      errorName: 'ValidationException',
      errorMessage: 'Invalid KeyConditionExpression',
    });
    expect(logged?.stack).toMatch(/^ValidationException\n\s+at /);
    for (const value of ['2031-07-09', 'HYPERLINK', '001099012345', 'AttributeValue']) {
      expect(logs.text()).not.toContain(value);
    }
  });

  it('mints its own request id even when the caller sends one', async () => {
    const { app } = appWithSampleRoutes();
    const response = await app.request('/nowhere', { headers: { 'X-Request-Id': 'chosen-by-caller' } });
    expect(response.headers.get('x-request-id')).not.toBe('chosen-by-caller');
  });
});
